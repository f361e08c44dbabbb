import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_ROUTES, type HttpRouteName, routePath } from "../../contract/http-routes.js";
import { ATTR, METRICS, type MetricSpec, PHASES } from "../../contract/metric-catalogue.js";
import { promLabel } from "../../contract/prometheus-names.js";
import { poll } from "../support/api-process.js";
import { controlHeaders } from "../support/control-secrets.js";
import { freePort } from "../support/free-port.js";
import { ADELIE_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type Sample, scrape } from "../support/prometheus-text.js";
import { type ScrapedApi, spawnScrapedApi } from "../support/scraped-api.js";

/**
 * The API as production runs it, SDK loaded first, with the OTLP exporters pointed at a port nothing
 * listens on (the collector is down) and the optional local /metrics endpoint on, to read what it emits.
 */
let api: ScrapedApi;
let base: string;
const EXPORT_INTERVAL_MS = 1000;

beforeAll(async () => {
  const deadPort = await freePort();
  api = await spawnScrapedApi({
    LOG_LEVEL: "info",
    OTEL_METRICS_EXPORTER: "otlp,prometheus",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
    OTEL_METRIC_EXPORT_INTERVAL: String(EXPORT_INTERVAL_MS),
  });
  base = `http://127.0.0.1:${api.port}`;
});
afterAll(() => api.stop());

async function send(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", ...controlHeaders() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  return res.status;
}

const HTTP_COUNT = "http_server_request_duration_count";
const httpSeries = (samples: Sample[]) => samples.filter((s) => s.name === HTTP_COUNT);
const modelSeries = (samples: Sample[]) => samples.filter((s) => s.name.startsWith("inferwatch_"));

interface RouteCase {
  params?: Record<string, string>;
  body?: unknown;
  status: number;
}

/** Requests for every route of the table, with the status each must answer; the template comes from the table. */
const CASES: { [N in HttpRouteName]: RouteCase[] } = {
  healthz: [{ status: 200 }],
  v2Live: [{ status: 200 }],
  readyz: [{ status: 200 }],
  v2Ready: [{ status: 200 }],
  v1Models: [{ status: 200 }],
  v1Model: [
    { params: { name: "penguins" }, status: 200 },
    { params: { name: "zebra" }, status: 404 },
  ],
  v1Predict: [
    { params: { name: "penguins" }, body: { instances: [withoutSex(ADELIE_V1)] }, status: 200 },
    { params: { name: "zebra" }, body: { instances: [] }, status: 404 },
  ],
  v2Server: [{ status: 200 }],
  v2ModelReady: [{ params: { name: "penguins" }, status: 200 }],
  v2VersionReady: [{ params: { name: "penguins", version: "7" }, status: 404 }],
  v2Model: [{ params: { name: "penguins" }, status: 200 }],
  v2Version: [{ params: { name: "penguins", version: "1" }, status: 200 }],
  v2Infer: [{ params: { name: "penguins" }, body: v2Body([withoutSex(ADELIE_V1)]), status: 200 }],
  v2InferVersion: [
    { params: { name: "penguins", version: "1" }, body: v2Body([ADELIE_V1]), status: 200 },
    { params: { name: "penguins", version: "1" }, body: { inputs: [] }, status: 400 },
  ],
  feedback: [
    {
      params: { name: "penguins" },
      body: { feedback: [{ prediction_id: "x", label: "Adelie" }] },
      status: 200,
    },
  ],
  feedbackVersion: [
    {
      params: { name: "penguins", version: "1" },
      body: { feedback: [{ prediction_id: "x", label: "Adelie" }] },
      status: 200,
    },
  ],
  repositoryIndex: [{ body: {}, status: 200 }],
  repositoryLoad: [{ params: { name: "penguins" }, body: {}, status: 200 }],
  repositoryUnload: [{ params: { name: "zebra" }, body: {}, status: 404 }],
};

/** A request sent, with the `http.route` it must carry (none: it matches no route) and its status. */
interface Sent {
  method: string;
  path: string;
  body?: unknown;
  route?: string;
  status: number;
}

const REQUESTS: Sent[] = [
  ...(Object.entries(CASES) as [HttpRouteName, RouteCase[]][]).flatMap(([name, cases]) => {
    const route = HTTP_ROUTES[name];
    return cases.map(({ params, body, status }) => ({
      method: route.method,
      path: routePath(route, params),
      body,
      route: route.template,
      status,
    }));
  }),
  { method: "GET", path: "/no/such/route", status: 404 },
  { method: "DELETE", path: "/v2/models/penguins", status: 404 },
];

describe("the instrumented ML API process", () => {
  it("labels every request with its route template, 404s included, and counts each exactly once", async () => {
    const before = httpSeries(await scrape(api.metricsUrl));
    const times = 3;
    for (let i = 0; i < times; i++) {
      for (const { method, path, body, status } of REQUESTS)
        expect(await send(method, path, body), path).toBe(status);
    }
    const after = httpSeries(await scrape(api.metricsUrl));
    const count = (samples: Sample[], method: string, route: string | undefined, status: number) =>
      samples
        .filter(
          (s) =>
            s.labels.http_request_method === method &&
            s.labels.http_route === route &&
            s.labels.http_response_status_code === String(status),
        )
        .reduce((sum, s) => sum + s.value, 0);
    const expected = new Map<string, number>();
    for (const { method, route, status } of REQUESTS) {
      const key = JSON.stringify([method, route, status]);
      expected.set(key, (expected.get(key) ?? 0) + times);
    }
    for (const [key, n] of expected) {
      const [method, route, status] = JSON.parse(key) as [string, string | undefined, number];
      expect(
        count(after, method, route ?? undefined, status) - count(before, method, route ?? undefined, status),
        key,
      ).toBe(n);
    }
    const routes = new Set(after.map((s) => s.labels.http_route).filter((r) => r !== undefined));
    expect([...routes].sort()).toEqual(
      Object.values(HTTP_ROUTES)
        .map((r) => r.template)
        .sort(),
    );
  });

  it("exposes the model histograms on the local /metrics endpoint, one observation per inference", async () => {
    // The SDK's Prometheus exporter adds no unit suffix, unlike the collector's.
    const count = (samples: Sample[], spec: MetricSpec, attribute: string, value: string) =>
      samples
        .filter(
          (s) =>
            s.name === `${spec.name.replace(/\./g, "_")}_count` && s.labels[promLabel(attribute)] === value,
        )
        .reduce((sum, s) => sum + s.value, 0);
    const before = await scrape(api.metricsUrl);
    const requests = 7;
    for (let i = 0; i < requests; i++) {
      expect(await send("POST", "/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] })).toBe(
        200,
      );
    }
    const after = await scrape(api.metricsUrl);
    const delta = (spec: MetricSpec, attribute: string, value: string) =>
      count(after, spec, attribute, value) - count(before, spec, attribute, value);
    expect(delta(METRICS.inferenceDuration, ATTR.outcome, "success")).toBe(requests);
    for (const phase of PHASES) expect(delta(METRICS.phaseDuration, ATTR.phase, phase), phase).toBe(requests);
    for (const spec of [METRICS.rows, METRICS.confidence, METRICS.margin]) {
      expect(delta(spec, ATTR.model, "penguins"), spec.name).toBe(requests);
    }
  });

  it("keeps the number of series fixed under random paths, model names, versions and feature names", async () => {
    const random = () => Math.random().toString(36).slice(2, 10);
    const junk = () => [
      send("GET", `/${random()}/${random()}`),
      send("POST", `/v1/models/${random()}:predict`, { instances: [withoutSex(ADELIE_V1)] }),
      send("POST", `/v2/models/${random()}/versions/${random()}/infer`, v2Body([ADELIE_V1])),
      send("POST", `/v2/models/penguins/versions/${random()}/infer`, v2Body([ADELIE_V1])),
      send("POST", "/v1/models/penguins:predict", {
        instances: [{ ...withoutSex(ADELIE_V1), [random()]: 1 }],
      }),
      send("POST", "/v2/models/penguins/infer", {
        inputs: [{ name: random(), shape: [1], datatype: "FP32", data: [1] }],
      }),
      send("GET", `/v2/models/${random()}/ready`),
    ];
    await Promise.all(junk());
    const before = await scrape(api.metricsUrl);
    for (let round = 0; round < 300; round++) await Promise.all(junk());
    const after = await scrape(api.metricsUrl);
    const keys = (samples: Sample[]) => samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();
    expect(keys(httpSeries(after))).toEqual(keys(httpSeries(before)));
    expect(keys(modelSeries(after))).toEqual(keys(modelSeries(before)));
  });

  it("serves unchanged while the collector is unreachable, logging one warning per interval, memory bounded", async () => {
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${api.child.pid}/status`, "utf8"))?.[1]) * 1024;
    const warnings = () =>
      api.logs.filter((l) => String(l.msg).startsWith("telemetry export failing")).length;
    await poll("the first export-failure warning", () => (warnings() > 0 ? true : undefined));
    const rssBefore = rss();
    const warningsBefore = warnings();
    const started = Date.now();
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () =>
          send("POST", "/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] }),
        ),
      );
      ok += batch.filter((s) => s === 200).length;
    }
    await poll("one more export interval", () =>
      Date.now() - started > 2 * EXPORT_INTERVAL_MS ? true : undefined,
    );
    const seconds = (Date.now() - started) / 1000;
    expect(ok).toBe(2000);
    const logged = warnings() - warningsBefore;
    expect(logged).toBeGreaterThanOrEqual(1);
    expect(logged).toBeLessThanOrEqual(Math.ceil(seconds / (EXPORT_INTERVAL_MS / 1000)) + 1);
    expect(rss() - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it("puts trace and span ids on the log lines written inside a request", async () => {
    await send("POST", "/v2/repository/models/penguins/unload", {});
    expect(await send("POST", "/v2/models/penguins/infer", v2Body([withoutSex(ADELIE_V1)]))).toBe(503);
    await send("POST", "/v2/repository/models/penguins/load", {});
    const line = await poll("the 503 warning", () => api.logs.find((l) => l.msg === "request failed"));
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
  });
});
