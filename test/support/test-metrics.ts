import type { Attributes } from "@opentelemetry/api";
import { DataPointType, type Histogram, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import type { MetricsOutput } from "../../ml-api/src/server.js";
import { HistogramProducer } from "../../ml-api/src/telemetry/histogram-producer.js";

/** A metric reader that exports nowhere: the test collects on demand and looks at the points. */
export class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Point {
  name: string;
  attributes: Attributes;
  /** Counter and gauge value, or histogram count. */
  value: number;
  sum?: number;
}

export interface TestMetrics extends MetricsOutput {
  collect(): Promise<Point[]>;
}

/**
 * A real SDK meter provider and model histograms with an in-process reader collecting both, for asserting
 * on exact metric values.
 */
export function testMetrics(): TestMetrics {
  const histograms = new HistogramProducer({ name: "test" });
  const reader = new OnDemandReader({ metricProducers: [histograms] });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter("test"),
    histograms,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      const points: Point[] = [];
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          for (const dp of metric.dataPoints) {
            if (metric.dataPointType === DataPointType.HISTOGRAM) {
              const h = dp.value as Histogram;
              points.push({
                name: metric.descriptor.name,
                attributes: dp.attributes,
                value: h.count,
                sum: h.sum ?? 0,
              });
            } else {
              points.push({
                name: metric.descriptor.name,
                attributes: dp.attributes,
                value: dp.value as number,
              });
            }
          }
        }
      }
      return points;
    },
  };
}

/** Sum of the points of `name` whose attributes include every pair in `match`. */
export function total(
  points: Point[],
  name: string,
  match: Attributes = {},
  field: "value" | "sum" = "value",
): number {
  return points
    .filter((p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (p[field] ?? 0), 0);
}
