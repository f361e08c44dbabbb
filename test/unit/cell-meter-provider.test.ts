import { metrics } from "@opentelemetry/api";
import { getNodeAutoInstrumentations } from "@opentelemetry/auto-instrumentations-node";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { CellMeterProvider } from "../../ml-api/src/telemetry/cell-meter-provider.js";
import { HTTP_INSTRUMENTATION } from "../../ml-api/src/telemetry/sdk.js";
import { OnDemandReader } from "../support/test-metrics.js";

afterEach(() => metrics.disable());

describe("cell meter provider", () => {
  it("records histograms that advise bucket boundaries into cells, under the meter's scope", async () => {
    const provider = new CellMeterProvider();
    const histogram = provider
      .getMeter("instr", "1.2.3")
      .createHistogram("h", { unit: "s", description: "d", advice: { explicitBucketBoundaries: [1, 2] } });
    histogram.record(1.5, { route: "/x" });
    histogram.record(0.5, { route: "/x" });
    const { scopeMetrics } = (await provider.collect()).resourceMetrics;
    expect(scopeMetrics.map((s) => s.scope)).toEqual([
      { name: "instr", version: "1.2.3", schemaUrl: undefined },
    ]);
    const [metric] = scopeMetrics[0]?.metrics ?? [];
    expect(metric?.descriptor).toMatchObject({ name: "h", unit: "s", description: "d" });
    expect(metric?.dataPoints).toMatchObject([
      {
        attributes: { route: "/x" },
        value: { count: 2, buckets: { boundaries: [1, 2], counts: [1, 1, 0] } },
      },
    ]);
  });

  it("leaves every other instrument to the global meter provider", async () => {
    const reader = new OnDemandReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    const meter = new CellMeterProvider().getMeter("instr");
    meter.createCounter("c").add(3);
    meter.createHistogram("unadvised").record(4);
    const { scopeMetrics } = (await reader.collect()).resourceMetrics;
    expect(scopeMetrics[0]?.scope.name).toBe("instr");
    expect(scopeMetrics[0]?.metrics.map((m) => m.descriptor.name).sort()).toEqual(["c", "unadvised"]);
  });

  it("is given to the HTTP instrumentation, which the SDK finds by this name", () => {
    const names = getNodeAutoInstrumentations().map((i) => i.instrumentationName);
    expect(names).toContain(HTTP_INSTRUMENTATION);
  });
});
