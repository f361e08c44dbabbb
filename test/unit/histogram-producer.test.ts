import { ValueType } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, MeterProvider } from "@opentelemetry/sdk-metrics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../contract/metric-catalogue.js";
import { HistogramProducer } from "../../ml-api/src/telemetry/histogram-producer.js";
import { OnDemandReader } from "../support/test-metrics.js";

const SPEC = METRICS.inferenceDuration;
const BOUNDARIES = SPEC.buckets as readonly number[];
const MODEL = { "model.name": "m", "model.version": "1" };

/** The same values recorded through the SDK's own histogram and through a bound series, collected by one reader. */
async function both(values: number[]) {
  const histograms = new HistogramProducer({ name: "bound" });
  const reader = new OnDemandReader({ metricProducers: [histograms] });
  const sdkHistogram = new MeterProvider({ readers: [reader] })
    .getMeter("sdk")
    .createHistogram(SPEC.name, { advice: { explicitBucketBoundaries: [...BOUNDARIES] } });
  const bound = histograms.series(SPEC, MODEL);
  for (const v of values) {
    sdkHistogram.record(v, MODEL);
    bound.record(v);
  }
  const { resourceMetrics } = await reader.collect();
  const [sdk, series] = ["sdk", "bound"].map(
    (scope) => resourceMetrics.scopeMetrics.find((s) => s.scope.name === scope)?.metrics[0],
  );
  return { sdk, series };
}

describe("the histogram producer's bound series", () => {
  it("give the SDK histogram's buckets, count, sum, min and max for any values", async () => {
    const around = fc.constantFrom(...BOUNDARIES);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(around, fc.double(), fc.double({ min: 0, max: 20 }))),
        async (values) => {
          const { sdk, series } = await both(values);
          if (values.every((v) => Number.isNaN(v) || v < 0)) {
            expect(series).toBeUndefined();
            return;
          }
          expect(series?.dataPoints[0]?.value).toEqual(sdk?.dataPoints[0]?.value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("count a value equal to a boundary in the bucket it bounds, as Prometheus's le does", async () => {
    const { series } = await both([BOUNDARIES[0] as number, BOUNDARIES[1] as number]);
    const value = series?.dataPoints[0]?.value as { buckets: { counts: number[] } } | undefined;
    expect(value?.buckets.counts.slice(0, 3)).toEqual([1, 1, 0]);
  });

  it("export cumulative points with the catalogue's name, unit and description, only for recorded series", async () => {
    const histograms = new HistogramProducer({ name: "bound" });
    histograms.series(METRICS.rows, MODEL);
    const recorded = histograms.series(METRICS.inferenceDuration, MODEL);
    recorded.record(0.01);
    recorded.record(0.02);
    const first = await histograms.collect();
    recorded.record(0.03);
    const second = await histograms.collect();
    const [metric] = second.resourceMetrics.scopeMetrics[0]?.metrics ?? [];
    expect(second.resourceMetrics.scopeMetrics[0]?.metrics).toHaveLength(1);
    expect(metric?.descriptor).toEqual({
      name: SPEC.name,
      unit: SPEC.unit,
      description: SPEC.description,
      valueType: ValueType.DOUBLE,
    });
    expect(metric?.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(metric?.dataPoints[0]?.value).toMatchObject({ count: 3 });
    expect(metric?.dataPoints[0]?.startTime).toEqual(
      first.resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints[0]?.startTime,
    );
  });
});
