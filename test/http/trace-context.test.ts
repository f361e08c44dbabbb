import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, poll, spawnInstrumentedApi } from "../support/api-process.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type ExportedSpan, SPAN_KIND_SERVER, type SpanSink, startSpanSink } from "../support/span-sink.js";

/**
 * Each request's spans must stay in that request's trace, parented correctly, while many requests share
 * keep-alive connections at once. The API does not bind request and response emitters to a context (the
 * SDK's default, dropped for its cost), so this is what would break if a continuation lost its context.
 */
let api: ApiProcess;
let sink: SpanSink;
let spans: ExportedSpan[] = [];

beforeAll(async () => {
  sink = await startSpanSink();
  spans = sink.spans;
  api = await spawnInstrumentedApi({
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_BSP_SCHEDULE_DELAY: "200",
  });
});
afterAll(async () => {
  api.child.kill("SIGTERM");
  await api.exited;
  await sink.close();
});

/**
 * POSTs `body` as a slow client does: the second half leaves a moment after the first, so the server reads
 * the body's end in a later event than the request's start, where only a bound continuation keeps context.
 */
function post(agent: Agent, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port: api.port,
        path,
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(() => req.end(body.slice(half)), 10);
  });
}

const REQUESTS: [string, unknown][] = [
  ["/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1), withoutSex(GENTOO_V1)] }],
  ["/v2/models/penguins/infer", v2Body([withoutSex(GENTOO_V1)])],
  ["/v2/models/penguins/versions/1/infer", v2Body([ADELIE_V1])],
];

describe("trace context in the instrumented ML API", () => {
  it("parents every inference span on its own request's server span, under concurrent keep-alive load", async () => {
    const CONNECTIONS = 8;
    const PER_CONNECTION = 12;
    const sent: { traceId: string; parentId: string }[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        for (let i = 0; i < PER_CONNECTION; i++) {
          const [path, body] = REQUESTS[(c + i) % REQUESTS.length] as [string, unknown];
          const traceId = randomBytes(16).toString("hex");
          const parentId = randomBytes(8).toString("hex");
          const status = await post(agent, path, JSON.stringify(body), {
            "content-type": "application/json",
            traceparent: `00-${traceId}-${parentId}-01`,
          });
          expect(status).toBe(200);
          sent.push({ traceId, parentId });
        }
      }),
    );
    agent.destroy();
    await poll(
      "both spans of every request",
      () => (spans.length >= 2 * sent.length ? true : undefined),
      10_000,
    );
    expect(spans).toHaveLength(2 * sent.length);
    for (const { traceId, parentId } of sent) {
      const trace = spans.filter((s) => s.traceId === traceId);
      const server = trace.filter((s) => s.kind === SPAN_KIND_SERVER);
      const inference = trace.filter((s) => s.name === "inference");
      expect(server).toHaveLength(1);
      expect(server[0]?.parentSpanId).toBe(parentId);
      expect(inference).toHaveLength(1);
      expect(inference[0]?.parentSpanId).toBe(server[0]?.spanId);
    }
  });
});
