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
import { HistogramCell } from "./histogram-cell.js";

/** What a histogram's export needs to say about it; the catalogue's `MetricSpec` is one. */
export interface HistogramSpec {
  name: string;
  description: string;
  unit: string;
  buckets?: readonly number[];
}

/**
 * One instrumentation scope's histograms, recorded into cells bound to their attribute sets and handed to
 * the metric readers as a MetricProducer. Points are cumulative, and a cell nothing was recorded into is not
 * exported, so the output is what the SDK's own histograms would give.
 *
 * SDK workaround. Saves: the SDK's instruments hash the attribute set on every record (sorted keys, then
 * JSON), and a single-row request records eight model histograms; `npm run bench -- instructions` against a
 * build that records them through the SDK measures the difference (docs/performance.md, "SDK
 * workarounds"). Upstream: open-telemetry/opentelemetry-js#6100 (attribute hashing on the record path;
 * #6515 proposes a faster hash). Can go when a release records without that cost: then the same bench shows
 * no difference, and this class, histogram-cell.ts, model-histograms.ts and metric-readers.ts give way to
 * the SDK's histograms and NodeSDK's own readers.
 */
export class HistogramCells implements MetricProducer {
  private readonly series = new Map<HistogramSpec, HistogramCell[]>();

  constructor(private readonly scope: InstrumentationScope) {}

  /**
   * A new series of `spec`; the caller keeps it, one per attribute set. `boundaries` serves a histogram
   * whose buckets differ per series (a regressor's predicted values, bucketed by its own training range);
   * such a series takes negative values too, which a value of any sign needs.
   */
  cell(spec: HistogramSpec, attributes: Attributes, boundaries?: readonly number[]): HistogramCell {
    const buckets = boundaries ?? spec.buckets;
    if (!buckets) throw new Error(`${spec.name} has no bucket boundaries`);
    const cell = new HistogramCell(attributes, buckets, boundaries !== undefined);
    const cells = this.series.get(spec) ?? [];
    cells.push(cell);
    this.series.set(spec, cells);
    return cell;
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const metrics: HistogramMetricData[] = [];
    for (const [spec, cells] of this.series) {
      const recorded = cells.filter((c) => c.observations > 0);
      if (recorded.length > 0) metrics.push(histogramData(spec, recorded, endTime));
    }
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: this.scope, metrics }] },
      errors: [],
    };
  }
}

function histogramData(spec: HistogramSpec, cells: HistogramCell[], endTime: HrTime): HistogramMetricData {
  return {
    descriptor: {
      name: spec.name,
      description: spec.description,
      unit: spec.unit,
      valueType: ValueType.DOUBLE,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: cells.map((c) => c.dataPoint(endTime)),
  };
}
