import {
  type Attributes,
  type Histogram,
  type Meter,
  type MeterOptions,
  type MeterProvider,
  type MetricOptions,
  metrics,
} from "@opentelemetry/api";
import { emptyResource } from "@opentelemetry/resources";
import type { CollectionResult, MetricProducer } from "@opentelemetry/sdk-metrics";
import { HistogramProducer } from "./histogram-producer.js";
import type { HistogramSeries } from "./histogram-series.js";

/**
 * The meter provider one instrumentation is given (`setMeterProvider`), so that its explicit-bucket histograms
 * record into series bound to their attribute sets, as the model histograms do; every other instrument it
 * creates comes from the global meter provider as before. Attach it to the metric readers as a producer; it
 * exports under the instrumentation's own scope, so its metrics keep their names and labels.
 *
 * Part of the SDK workaround in histogram-producer.ts, and goes with it. Saves: the HTTP instrumentation
 * records `http.server.request.duration` once per request with a fresh attribute object, which the SDK hashes
 * (sorted keys, then JSON) on every record; here an attribute set is found by its values in the order the
 * instrumentation writes them. `npm run bench -- instructions` against a build without it measures the
 * difference (docs/performance.md, "SDK workarounds").
 */
export class InstrumentationHistograms implements MeterProvider, MetricProducer {
  private producer: HistogramProducer | undefined;
  private readonly histograms = new Map<string, Histogram>();

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    this.producer ??= new HistogramProducer({ name, version, schemaUrl: options?.schemaUrl });
    const producer = this.producer;
    const global = metrics.getMeterProvider().getMeter(name, version, options);
    const histograms = this.histograms;
    return {
      createHistogram(metric: string, opts: MetricOptions = {}): Histogram {
        const buckets = opts.advice?.explicitBucketBoundaries;
        // Without advised boundaries the SDK's defaults (or a view) apply: left to the SDK.
        if (!buckets) return global.createHistogram(metric, opts);
        let histogram = histograms.get(metric);
        if (!histogram) {
          const spec = { name: metric, description: opts.description ?? "", unit: opts.unit ?? "", buckets };
          histogram = new BoundHistogram((attributes) => producer.series(spec, attributes));
          histograms.set(metric, histogram);
        }
        return histogram;
      },
      createGauge: (metric, opts) => global.createGauge(metric, opts),
      createCounter: (metric, opts) => global.createCounter(metric, opts),
      createUpDownCounter: (metric, opts) => global.createUpDownCounter(metric, opts),
      createObservableGauge: (metric, opts) => global.createObservableGauge(metric, opts),
      createObservableCounter: (metric, opts) => global.createObservableCounter(metric, opts),
      createObservableUpDownCounter: (metric, opts) => global.createObservableUpDownCounter(metric, opts),
      addBatchObservableCallback: (callback, observables) =>
        global.addBatchObservableCallback(callback, observables),
      removeBatchObservableCallback: (callback, observables) =>
        global.removeBatchObservableCallback(callback, observables),
    };
  }

  collect(): Promise<CollectionResult> {
    if (this.producer) return this.producer.collect();
    return Promise.resolve({ resourceMetrics: { resource: emptyResource(), scopeMetrics: [] }, errors: [] });
  }
}

/** A histogram whose series are found by a key of the attributes' names and values in their written order. */
class BoundHistogram implements Histogram {
  private readonly byWrittenOrder = new Map<string, HistogramSeries>();
  /** The same series by sorted names: one attribute set written in two orders is still one series. */
  private readonly bySortedNames = new Map<string, HistogramSeries>();

  constructor(private readonly newSeries: (attributes: Attributes) => HistogramSeries) {}

  record(value: number, attributes: Attributes = {}): void {
    let key = "";
    for (const name in attributes) {
      const v = attributes[name];
      if (v !== undefined) key += `${name}\u0000${typeof v}\u0000${String(v)}\u0001`;
    }
    let series = this.byWrittenOrder.get(key);
    if (!series) {
      series = this.seriesOf(attributes);
      this.byWrittenOrder.set(key, series);
    }
    series.record(value);
  }

  private seriesOf(attributes: Attributes): HistogramSeries {
    const defined = Object.keys(attributes)
      .filter((name) => attributes[name] !== undefined)
      .sort();
    const key = JSON.stringify(defined.map((name) => [name, attributes[name]]));
    let series = this.bySortedNames.get(key);
    if (!series) {
      series = this.newSeries(Object.fromEntries(defined.map((name) => [name, attributes[name]])));
      this.bySortedNames.set(key, series);
    }
    return series;
  }
}
