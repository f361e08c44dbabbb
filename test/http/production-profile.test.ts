import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { poll } from "../support/api-process.js";
import { controlHeaders } from "../support/control-secrets.js";
import { ADELIE_V1, withoutSex } from "../support/penguins.js";
import { type Sample, scrape } from "../support/prometheus-text.js";
import { type ScrapedApi, spawnScrapedApi } from "../support/scraped-api.js";

/**
 * `TELEMETRY_PROFILE=production` as an operator sets it, with no ratio of ordinary traces and no request
 * slow enough: only failed requests' traces leave the process, while the request count on the metrics
 * endpoint still counts every request. Traces go as OTLP/JSON to a receiver here.
 */
let api: ScrapedApi;
let receiver: Server;
const spans: { traceId: string; name: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        for (const rs of JSON.parse(body).resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push(s);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  api = await spawnScrapedApi({
    TELEMETRY_PROFILE: "production",
    TRACE_KEEP_RATIO: "0",
    TRACE_SLOW_SECONDS: "30",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
});
afterAll(async () => {
  await api.stop();
  receiver.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; traceId: string }> {
  const traceId = crypto.randomUUID().replaceAll("-", "");
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      traceparent: `00-${traceId}-${"1".repeat(16)}-01`,
      ...controlHeaders(),
    },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return { status: res.status, traceId };
}

const predictions = (samples: Sample[], status: string) =>
  samples
    .filter(
      (s) =>
        s.name === "http_server_request_duration_count" &&
        s.labels.http_route === HTTP_ROUTES.v1Predict.template &&
        s.labels.http_response_status_code === status,
    )
    .reduce((sum, s) => sum + s.value, 0);

describe("the production telemetry profile", () => {
  it("exports the traces of failed requests only, and still counts every request", async () => {
    const predict = () => post("/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] });
    const ok = [];
    for (let i = 0; i < 20; i++) ok.push(await predict());
    expect(ok.every((r) => r.status === 200)).toBe(true);
    expect((await post("/v2/repository/models/penguins/unload", {})).status).toBe(200);
    const failed = [];
    for (let i = 0; i < 3; i++) failed.push(await predict());
    expect(failed.every((r) => r.status === 503)).toBe(true);

    // Each failed request's server span and inference span arrive; nothing of the successful ones.
    const arrived = () => new Set(spans.map((s) => `${s.traceId}/${s.name}`));
    await poll("the failed requests' spans", () => (arrived().size >= 6 ? true : undefined), 15_000);
    for (const { traceId } of failed) {
      expect(spans.filter((s) => s.traceId === traceId).map((s) => s.name)).toContain("inference");
      expect(spans.filter((s) => s.traceId === traceId)).toHaveLength(2);
    }
    const okIds = new Set(ok.map((r) => r.traceId));
    expect(spans.filter((s) => okIds.has(s.traceId))).toEqual([]);

    const samples = await scrape(api.metricsUrl);
    expect(predictions(samples, "200")).toBe(20);
    expect(predictions(samples, "503")).toBe(3);
  });
});
