import { type Attributes, metrics } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { InstrumentationHistograms } from "../../ml-api/src/telemetry/instrumentation-histograms.js";
import { OnDemandReader } from "../support/test-metrics.js";

const BUCKETS = [0.005, 0.01, 0.1, 1];
const OPTIONS = { unit: "s", description: "Duration.", advice: { explicitBucketBoundaries: BUCKETS } };
const SCOPE = "some-instrumentation";

/** The SDK's own histogram and the bound one, fed the same records, collected by one reader each. */
async function both(records: [number, Attributes][]) {
  const sdkReader = new OnDemandReader();
  const sdk = new MeterProvider({ readers: [sdkReader] }).getMeter(SCOPE, "1.2.3");
  const bound = new InstrumentationHistograms();
  const boundReader = new OnDemandReader({ metricProducers: [bound] });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [boundReader] }));
  const sdkHistogram = sdk.createHistogram("duration", OPTIONS);
  const boundHistogram = bound.getMeter(SCOPE, "1.2.3").createHistogram("duration", OPTIONS);
  for (const [value, attributes] of records) {
    sdkHistogram.record(value, attributes);
    boundHistogram.record(value, attributes);
  }
  const scopeOf = async (reader: OnDemandReader) =>
    (await reader.collect()).resourceMetrics.scopeMetrics.find((s) => s.scope.name === SCOPE);
  return { sdk: await scopeOf(sdkReader), bound: await scopeOf(boundReader) };
}

interface Point {
  attributes: Attributes;
  value: unknown;
}
const sorted = (points: readonly Point[] = []) =>
  [...points].sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));

afterEach(() => metrics.disable());

describe("an instrumentation's bound histograms", () => {
  it("export what the SDK's histogram exports, under the instrumentation's scope", async () => {
    const ok = { "http.request.method": "POST", "http.route": "/a", "http.response.status_code": 200 };
    const { sdk, bound } = await both([
      [0.003, ok],
      [0.2, ok],
      [0.05, { ...ok, "http.response.status_code": 404 }],
      [0.07, { "http.request.method": "GET", "error.type": "Error" }],
      [-1, ok],
    ]);
    expect(bound?.scope).toMatchObject({ name: SCOPE, version: "1.2.3" });
    const [sdkMetric] = sdk?.metrics ?? [];
    const [boundMetric] = bound?.metrics ?? [];
    expect(boundMetric?.descriptor).toMatchObject({ name: "duration", unit: "s", description: "Duration." });
    expect(sorted(boundMetric?.dataPoints).map((p) => [p.attributes, p.value])).toEqual(
      sorted(sdkMetric?.dataPoints).map((p) => [p.attributes, p.value]),
    );
  });

  it("count one attribute set written in two orders, or with an undefined value, as one series", async () => {
    const { bound } = await both([
      [0.1, { a: "x", b: 1 }],
      [0.1, { b: 1, a: "x" }],
      [0.1, { a: "x", c: undefined, b: 1 }],
      [0.1, { a: "x", b: "1" }],
    ]);
    const points = sorted(bound?.metrics[0]?.dataPoints);
    expect(points.map((p) => [p.attributes, (p.value as { count: number }).count])).toEqual([
      [{ a: "x", b: "1" }, 1],
      [{ a: "x", b: 1 }, 3],
    ]);
  });

  it("leave every other instrument to the global meter provider", async () => {
    const reader = new OnDemandReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const meter = new InstrumentationHistograms().getMeter(SCOPE);
    meter.createCounter("requests").add(2);
    meter.createHistogram("no-advice").record(1);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names.sort()).toEqual(["no-advice", "requests"]);
  });
});
