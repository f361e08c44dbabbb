import type { Attributes, BatchObservableResult, Meter, Observable } from "@opentelemetry/api";
import { ABSOLUTE_ERROR_SHARES } from "../../../contract/histogram-buckets.js";
import {
  ATTR,
  type AuthFailure,
  BASELINE_METRICS,
  type FeedbackRejection,
  LOAD_OUTCOMES,
  type LoadOutcome,
  METRICS,
  type MetricSpec,
  MODEL_STATES,
  OUTCOMES,
  type Outcome,
  PHASES,
  type Phase,
} from "../../../contract/metric-catalogue.js";
import type { JoinedLabel } from "../inference/feedback.js";
import type { VersionView } from "../inference/model-registry.js";
import type { HistogramCell } from "./histogram-cell.js";
import type { HistogramCells } from "./histogram-cells.js";

/** Classifiers with at most this many classes get their whole confusion matrix at zero (zeroConfusion). */
const MAX_ZEROED_CLASSES = 12;

export interface InferenceRecord {
  model: string;
  version: string;
  outcome: Outcome;
  seconds: number;
  rows?: number;
  phases?: Record<Phase, number>;
  predictions?: readonly { confidence: number; margin: number }[];
  /** A regressor's predicted values, with the version's bucket boundaries for them. */
  values?: { data: ArrayLike<number>; boundaries: readonly number[] };
}

/** One model version's series on the request path, created when the version is first recorded. */
class VersionSeries {
  readonly duration: Record<Outcome, HistogramCell>;
  readonly phases: Record<Phase, HistogramCell>;
  readonly rows: HistogramCell;
  readonly confidence: HistogramCell;
  readonly margin: HistogramCell;
  readonly load: Record<LoadOutcome, HistogramCell>;
  readonly feedbackDelay: HistogramCell;
  /** Created with the version's boundaries when it first records a regressor's labelled error. */
  absoluteError: HistogramCell | undefined;
  /** Created with the version's boundaries when it first records a predicted value. */
  value: HistogramCell | undefined;
  /** Requests in flight, read at collection; undefined until the version serves one. */
  active: number | undefined;

  constructor(
    histograms: HistogramCells,
    readonly attributes: Attributes,
  ) {
    const cell = (spec: MetricSpec, key?: string, value?: string) =>
      histograms.cell(spec, key === undefined ? attributes : { ...attributes, [key]: value });
    const byValue = <V extends string>(spec: MetricSpec, key: string, values: readonly V[]) =>
      Object.fromEntries(values.map((v) => [v, cell(spec, key, v)])) as Record<V, HistogramCell>;
    this.duration = byValue(METRICS.inferenceDuration, ATTR.outcome, OUTCOMES);
    this.phases = byValue(METRICS.phaseDuration, ATTR.phase, PHASES);
    this.rows = cell(METRICS.rows);
    this.confidence = cell(METRICS.confidence);
    this.margin = cell(METRICS.margin);
    this.load = byValue(METRICS.loadDuration, ATTR.loadOutcome, LOAD_OUTCOMES);
    this.feedbackDelay = cell(METRICS.feedbackDelay);
  }
}

/**
 * The model metrics of the catalogue. Per-request facts (latency, batch size, confidence) are recorded as
 * they happen, into histogram cells bound to each version's attributes; per-value facts (data quality,
 * bins, classes) are tallied in plain arrays by the traffic monitor and read here once per collection,
 * because recording each value through the SDK costs about a microsecond per attribute set, more than the
 * whole tally.
 */
export class ModelMetrics {
  private readonly validationErrors;
  private readonly unloads;
  private readonly feedback;
  private readonly squaredError;
  private readonly feedbackRejected;
  private readonly authFailures;
  /** Series per model name, then per version. */
  private readonly series = new Map<string, Map<string, VersionSeries>>();
  /** Versions whose confusion matrix has been written at zero, as `model\u0000version`. */
  private readonly zeroed = new Set<string>();
  /**
   * Tallies already observed once. The SDK starts an observable counter's series at its first collection
   * (start time equal to the point's time), so Prometheus cannot tell what was counted before it: a tally's
   * first observation reports zero and the next one everything, and increase() misses nothing.
   */
  private readonly observedOnce = new WeakSet<object>();

  constructor(
    meter: Meter,
    private readonly histograms: HistogramCells,
    versions: () => Iterable<VersionView>,
    private readonly psiThreshold: number,
  ) {
    const counter = (spec: MetricSpec) =>
      meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
    this.validationErrors = counter(METRICS.validationErrors);
    this.unloads = counter(METRICS.unloads);
    this.feedback = counter(METRICS.feedback);
    this.squaredError = counter(METRICS.feedbackSquaredError);
    this.feedbackRejected = counter(METRICS.feedbackRejected);
    this.authFailures = counter(METRICS.controlAuthFailures);
    this.observeVersions(meter, versions);
  }

  recordInference(r: InferenceRecord): void {
    const series = this.of(r.model, r.version);
    series.duration[r.outcome].record(r.seconds);
    if (r.rows !== undefined) series.rows.record(r.rows);
    if (r.phases) {
      for (const phase of PHASES) series.phases[phase].record(r.phases[phase]);
    }
    if (r.predictions) {
      for (const p of r.predictions) {
        series.confidence.record(p.confidence);
        series.margin.record(p.margin);
      }
    }
    if (r.values) {
      series.value ??= this.histograms.cell(METRICS.predictedValue, series.attributes, r.values.boundaries);
      const cell = series.value;
      for (let i = 0; i < r.values.data.length; i++) cell.record(r.values.data[i] as number);
    }
  }

  recordRejection(model: string, version: string, reason: string): void {
    this.validationErrors.add(1, { ...this.of(model, version).attributes, [ATTR.reason]: reason });
  }

  /** A label joined to its prediction; a regressor's errors are bucketed by shares of its `scale`. */
  recordFeedback(label: JoinedLabel): void {
    const series = this.of(label.model, label.version);
    series.feedbackDelay.record(label.delaySeconds);
    if (label.task === "classification") {
      this.feedback.add(1, {
        ...series.attributes,
        [ATTR.predictedClass]: label.predicted,
        [ATTR.feedbackClass]: label.actual,
      });
      return;
    }
    const error = Math.abs(label.predicted - label.actual);
    series.absoluteError ??= this.histograms.cell(
      METRICS.feedbackAbsoluteError,
      series.attributes,
      ABSOLUTE_ERROR_SHARES.map((share) => share * label.scale),
    );
    series.absoluteError.record(error);
    this.squaredError.add(error * error, series.attributes);
  }

  /**
   * Every cell of a small classifier's confusion matrix exists from the version's first collection, at zero,
   * so that increase() over a window starts from a sample of 0 for every pair: the recorded accuracy is then
   * the exact ratio of the labels, where a series appearing with its first count would be extrapolated on
   * its own. Large class sets are left sparse, as K² series would cost more than the exactness is worth.
   */
  private zeroConfusion(model: string, version: string, classes: readonly string[]): void {
    const key = `${model}\u0000${version}`;
    if (classes.length > MAX_ZEROED_CLASSES || this.zeroed.has(key)) return;
    this.zeroed.add(key);
    for (const predicted of classes) {
      for (const actual of classes) {
        this.feedback.add(0, {
          [ATTR.model]: model,
          [ATTR.version]: version,
          [ATTR.predictedClass]: predicted,
          [ATTR.feedbackClass]: actual,
        });
      }
    }
  }

  recordFeedbackRejection(model: string, reason: FeedbackRejection): void {
    this.feedbackRejected.add(1, { [ATTR.model]: model, [ATTR.feedbackReason]: reason });
  }

  recordAuthFailure(reason: AuthFailure): void {
    this.authFailures.add(1, { [ATTR.authReason]: reason });
  }

  /** +1 when a request starts on a version, -1 when it ends. */
  trackActive(model: string, version: string, delta: 1 | -1): void {
    const series = this.of(model, version);
    series.active = (series.active ?? 0) + delta;
  }

  recordLoad(model: string, version: string, seconds: number, ok: boolean): void {
    this.of(model, version).load[ok ? "success" : "failure"].record(seconds);
  }

  recordUnload(model: string, version: string): void {
    this.unloads.add(1, this.of(model, version).attributes);
  }

  private of(model: string, version: string): VersionSeries {
    let versions = this.series.get(model);
    if (!versions) {
      versions = new Map();
      this.series.set(model, versions);
    }
    let series = versions.get(version);
    if (!series) {
      series = new VersionSeries(this.histograms, { [ATTR.model]: model, [ATTR.version]: version });
      versions.set(version, series);
    }
    return series;
  }

  private observeVersions(meter: Meter, versions: () => Iterable<VersionView>): void {
    // Every observable is created through `observed`, so the batch callback's list cannot miss one.
    const all: Observable[] = [];
    const observed = <O extends Observable>(o: O) => {
      all.push(o);
      return o;
    };
    const options = (spec: MetricSpec) => ({ unit: spec.unit, description: spec.description });
    const gauge = (spec: MetricSpec) => observed(meter.createObservableGauge(spec.name, options(spec)));
    const counter = (spec: MetricSpec) => observed(meter.createObservableCounter(spec.name, options(spec)));
    const state = gauge(METRICS.modelState);
    const info = gauge(METRICS.modelInfo);
    const predictions = counter(METRICS.predictions);
    const classBaseline = gauge(METRICS.classBaseline);
    const lowConfidenceBaseline = gauge(METRICS.lowConfidenceBaseline);
    const missing = counter(METRICS.missing);
    const outOfRange = counter(METRICS.outOfRange);
    const unseen = counter(METRICS.unseen);
    const binValues = counter(METRICS.binValues);
    const binBaseline = gauge(METRICS.binBaseline);
    const categoryValues = counter(METRICS.categoryValues);
    const categoryBaseline = gauge(METRICS.categoryBaseline);
    const psi = gauge(METRICS.psi);
    const windowSamples = gauge(METRICS.windowSamples);
    const psiThreshold = gauge(METRICS.psiThreshold);
    const qualityBaseline = gauge(METRICS.qualityBaseline);
    const predictionBinValues = counter(METRICS.predictionBinValues);
    const predictionBinBaseline = gauge(METRICS.predictionBinBaseline);
    const predictionPsi = gauge(METRICS.predictionPsi);
    const active = observed(
      meter.createObservableUpDownCounter(METRICS.active.name, options(METRICS.active)),
    );
    meter.addBatchObservableCallback((result: BatchObservableResult) => {
      for (const versions of this.series.values()) {
        for (const { active: count, attributes } of versions.values()) {
          if (count !== undefined) result.observe(active, count, attributes);
        }
      }
      for (const v of versions()) {
        const model = { [ATTR.model]: v.name, [ATTR.version]: v.version };
        for (const s of MODEL_STATES)
          result.observe(state, s === v.state ? 1 : 0, { ...model, [ATTR.state]: s });
        if (v.state === "ready" && v.checksum !== undefined) {
          result.observe(info, 1, {
            ...model,
            [ATTR.checksum]: v.checksum,
            [ATTR.trainedAt]: v.trainedAt ?? "",
            [ATTR.task]: v.task ?? "",
          });
        }
        for (const metric of BASELINE_METRICS) {
          const value = v.baseline?.[metric];
          if (value !== undefined)
            result.observe(qualityBaseline, value, { ...model, [ATTR.qualityMetric]: metric });
        }
        const traffic = v.traffic;
        if (!traffic) continue;
        const first = !this.observedOnce.has(traffic);
        this.observedOnce.add(traffic);
        const count = (n: number) => (first ? 0 : n);
        result.observe(psiThreshold, this.psiThreshold, model);
        const lowConfidence = traffic.lowConfidenceShare();
        if (lowConfidence !== undefined) result.observe(lowConfidenceBaseline, lowConfidence, model);
        if (traffic.predictedValue) {
          const { bins, baseline } = traffic.predictedValue;
          bins.forEach((n, b) => {
            const binAttrs = { ...model, [ATTR.predictionBin]: String(b + 1) };
            result.observe(predictionBinValues, count(n), binAttrs);
            result.observe(predictionBinBaseline, baseline[b] ?? 0, binAttrs);
          });
          const drift = traffic.predictionPsi();
          if (drift !== undefined) result.observe(predictionPsi, drift, model);
        }
        this.zeroConfusion(v.name, v.version, traffic.profile.classes);
        traffic.profile.classes.forEach((c, i) => {
          const attrs = { ...model, [ATTR.predictedClass]: c };
          result.observe(predictions, count(traffic.predictions[i] ?? 0), attrs);
          result.observe(classBaseline, traffic.profile.classShares[c] ?? 0, attrs);
        });
        traffic.features.forEach((f, i) => {
          const attrs = { ...model, [ATTR.feature]: f.feature.name };
          result.observe(missing, count(f.missing), attrs);
          result.observe(windowSamples, traffic.windowSamples(i), attrs);
          const value = traffic.psi(i);
          if (value !== undefined) result.observe(psi, value, attrs);
          if (f.feature.type === "numeric") {
            result.observe(outOfRange, count(f.outOfRange), attrs);
            f.bins.forEach((n, b) => {
              const binAttrs = { ...attrs, [ATTR.bin]: String(b + 1) };
              result.observe(binValues, count(n), binAttrs);
              result.observe(binBaseline, f.baseline[b] ?? 0, binAttrs);
            });
          } else {
            result.observe(unseen, count(f.unseen), attrs);
            (f.feature.categories ?? []).forEach((category, b) => {
              const catAttrs = { ...attrs, [ATTR.category]: category };
              result.observe(categoryValues, count(f.bins[b] ?? 0), catAttrs);
              result.observe(categoryBaseline, f.baseline[b] ?? 0, catAttrs);
            });
          }
        });
      }
    }, all);
  }
}
