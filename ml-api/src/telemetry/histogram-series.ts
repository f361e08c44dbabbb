import type { Attributes, HrTime } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import type { DataPoint, Histogram } from "@opentelemetry/sdk-metrics";
import { binIndex } from "../inference/bin-index.js";

/**
 * One explicit-bucket histogram series with its attribute set fixed when it is created, so a record is a
 * bucket search and four additions. Part of the SDK workaround in histogram-producer.ts, and goes with it.
 */
export class HistogramSeries {
  private readonly counts: number[];
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly startTime: HrTime = hrTime();

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
    /** Whether negative values are recorded; a latency or share never is negative, a predicted value may be. */
    private readonly signed = false,
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    // The SDK's histogram drops these too: NaN belongs to no bucket, and histogram values are non-negative.
    if (Number.isNaN(value) || (value < 0 && !this.signed)) return;
    (this.counts[binIndex(value, this.boundaries)] as number)++;
    this.count++;
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
  }

  get observations(): number {
    return this.count;
  }

  /** The cumulative point since the series was created. */
  dataPoint(endTime: HrTime): DataPoint<Histogram> {
    return {
      startTime: this.startTime,
      endTime,
      attributes: this.attributes,
      value: {
        buckets: { boundaries: [...this.boundaries], counts: [...this.counts] },
        count: this.count,
        sum: this.sum,
        min: this.min,
        max: this.max,
      },
    };
  }
}
