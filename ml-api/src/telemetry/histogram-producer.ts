import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import { hrTime, type InstrumentationScope } from "@opentelemetry/core";
import { emptyResource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import { HistogramSeries } from "./histogram-series.js";

/** What a histogram's export needs to say about it; the catalogue's `MetricSpec` is one. */
export interface HistogramSpec {
  name: string;
  description: string;
  unit: string;
  buckets?: readonly number[];
}

/**
 * One instrumentation scope's histograms, recorded into series bound to their attribute sets and handed to
 * the metric readers as a MetricProducer. Points are cumulative, and a series nothing was recorded into is
 * not exported, so the output is what the SDK's own histograms would give.
 *
 * SDK workaround. Saves: the SDK's instruments hash the attribute set on every record (sorted keys, then
 * JSON), and a single-row request records eight model histograms; `npm run bench -- instructions` against a
 * build that records them through the SDK measures the difference (docs/performance.md, "SDK
 * workarounds"). Upstream: open-telemetry/opentelemetry-js#6100 (attribute hashing on the record path;
 * #6515 proposes a faster hash). Can go when a release records without that cost: then the same bench shows
 * no difference, and this class, histogram-series.ts, model-histograms.ts and metric-readers.ts give way to
 * the SDK's histograms and NodeSDK's own readers.
 */
export class HistogramProducer implements MetricProducer {
  private readonly bySpec = new Map<HistogramSpec, HistogramSeries[]>();

  constructor(private readonly scope: InstrumentationScope) {}

  /**
   * A new series of `spec`; the caller keeps it, one per attribute set. `boundaries` serves a histogram
   * whose buckets differ per series (a regressor's predicted values, bucketed by its own training range);
   * such a series takes negative values too, which a value of any sign needs.
   */
  series(spec: HistogramSpec, attributes: Attributes, boundaries?: readonly number[]): HistogramSeries {
    const buckets = boundaries ?? spec.buckets;
    if (!buckets) throw new Error(`${spec.name} has no bucket boundaries`);
    const series = new HistogramSeries(attributes, buckets, boundaries !== undefined);
    const all = this.bySpec.get(spec) ?? [];
    all.push(series);
    this.bySpec.set(spec, all);
    return series;
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const metrics: HistogramMetricData[] = [];
    for (const [spec, all] of this.bySpec) {
      const recorded = all.filter((s) => s.observations > 0);
      if (recorded.length > 0) metrics.push(histogramData(spec, recorded, endTime));
    }
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics }] },
      errors: [],
    };
  }
}

function histogramData(spec: HistogramSpec, series: HistogramSeries[], endTime: HrTime): HistogramMetricData {
  return {
    descriptor: {
      name: spec.name,
      description: spec.description,
      unit: spec.unit,
      valueType: ValueType.DOUBLE,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: series.map((s) => s.dataPoint(endTime)),
  };
}
