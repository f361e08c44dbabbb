import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A span as OTLP/JSON carries it, with the fields the tests read. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
export const SPAN_KIND_SERVER = 2;

export interface SpanSink {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for an API exporting `http/json` here. */
  endpoint: string;
  /** Every span received so far. */
  spans: ExportedSpan[];
  close(): Promise<void>;
}

/** An OTLP/HTTP JSON receiver on a free loopback port that keeps the spans it is sent and accepts the rest. */
export async function startSpanSink(): Promise<SpanSink> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
        for (const r of payload.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
