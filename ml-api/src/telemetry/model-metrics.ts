import type { Attributes, BatchObservableResult, Histogram, Meter, Observable } from "@opentelemetry/api";
import {
  ATTR,
  METRICS,
  type MetricSpec,
  MODEL_STATES,
  type ModelState,
  type Outcome,
  PHASES,
  type Phase,
} from "./metric-catalogue.js";

/** One feature's live counts next to its training baseline, as the traffic monitor keeps them. */
export interface FeatureCounts {
  readonly feature: { name: string; type: "numeric" | "categorical"; categories?: readonly string[] };
  readonly missing: number;
  readonly outOfRange: number;
  readonly unseen: number;
  readonly bins: readonly number[];
  readonly baseline: readonly number[];
}

/** What the metrics read from a model version's traffic monitor at collection time. */
export interface TrafficCounts {
  readonly features: readonly FeatureCounts[];
  readonly predictions: readonly number[];
  readonly profile: { classes: readonly string[]; classShares: Record<string, number> };
  lowConfidenceShare(): number;
  psi(feature: number): number | undefined;
  windowSamples(feature: number): number;
}

/** A model version as the metrics see it: plain data, so telemetry depends on no other layer. */
export interface VersionView {
  name: string;
  version: string;
  state: ModelState;
  checksum?: string;
  trainedAt?: string;
  traffic?: TrafficCounts;
}

export interface InferenceRecord {
  model: string;
  version: string;
  outcome: Outcome;
  seconds: number;
  rows?: number;
  phases?: Record<Phase, number>;
  predictions?: readonly { confidence: number; margin: number }[];
}

function histogram(meter: Meter, spec: MetricSpec): Histogram {
  return meter.createHistogram(spec.name, {
    unit: spec.unit,
    description: spec.description,
    advice: spec.buckets ? { explicitBucketBoundaries: [...spec.buckets] } : {},
  });
}

/**
 * The model metrics of the catalogue. Per-request facts (latency, batch size, confidence) are recorded as
 * they happen; per-value facts (data quality, bins, classes) are tallied in plain arrays by the traffic
 * monitor and read here once per collection, because recording each value through the SDK costs about a
 * microsecond per attribute set, more than the whole tally.
 */
export class ModelMetrics {
  private readonly inferenceDuration: Histogram;
  private readonly phaseDuration: Histogram;
  private readonly rows: Histogram;
  private readonly confidence: Histogram;
  private readonly margin: Histogram;
  private readonly loadDuration: Histogram;
  private readonly validationErrors;
  private readonly unloads;
  /** Attribute sets are built once per label combination: the request path only looks them up. */
  private readonly attributeCache = new Map<string, Attributes>();
  /** Requests in flight per version, read at collection: two SDK records per request saved. */
  private readonly inFlight = new Map<Attributes, number>();

  constructor(
    meter: Meter,
    versions: () => Iterable<VersionView>,
    private readonly psiThreshold: number,
  ) {
    this.inferenceDuration = histogram(meter, METRICS.inferenceDuration);
    this.phaseDuration = histogram(meter, METRICS.phaseDuration);
    this.rows = histogram(meter, METRICS.rows);
    this.confidence = histogram(meter, METRICS.confidence);
    this.margin = histogram(meter, METRICS.margin);
    this.loadDuration = histogram(meter, METRICS.loadDuration);
    const { validationErrors, unloads } = METRICS;
    this.validationErrors = meter.createCounter(validationErrors.name, {
      unit: validationErrors.unit,
      description: validationErrors.description,
    });
    this.unloads = meter.createCounter(unloads.name, {
      unit: unloads.unit,
      description: unloads.description,
    });
    this.observeVersions(meter, versions);
  }

  recordInference(r: InferenceRecord): void {
    this.inferenceDuration.record(r.seconds, this.attrs(r.model, r.version, ATTR.outcome, r.outcome));
    if (r.rows !== undefined) this.rows.record(r.rows, this.attrs(r.model, r.version));
    if (r.phases) {
      for (const phase of PHASES) {
        this.phaseDuration.record(r.phases[phase], this.attrs(r.model, r.version, ATTR.phase, phase));
      }
    }
    if (r.predictions) {
      const attrs = this.attrs(r.model, r.version);
      for (const p of r.predictions) {
        this.confidence.record(p.confidence, attrs);
        this.margin.record(p.margin, attrs);
      }
    }
  }

  recordRejection(model: string, version: string, reason: string): void {
    this.validationErrors.add(1, this.attrs(model, version, ATTR.reason, reason));
  }

  /** +1 when a request starts on a version, -1 when it ends. */
  trackActive(model: string, version: string, delta: 1 | -1): void {
    const attrs = this.attrs(model, version);
    this.inFlight.set(attrs, (this.inFlight.get(attrs) ?? 0) + delta);
  }

  recordLoad(model: string, version: string, seconds: number, ok: boolean): void {
    this.loadDuration.record(
      seconds,
      this.attrs(model, version, ATTR.loadOutcome, ok ? "success" : "failure"),
    );
  }

  recordUnload(model: string, version: string): void {
    this.unloads.add(1, this.attrs(model, version));
  }

  private attrs(model: string, version: string, key?: string, value?: string): Attributes {
    const cacheKey = `${model}\u0000${version}\u0000${key ?? ""}\u0000${value ?? ""}`;
    let attrs = this.attributeCache.get(cacheKey);
    if (!attrs) {
      attrs = { [ATTR.model]: model, [ATTR.version]: version };
      if (key !== undefined) attrs[key] = value;
      this.attributeCache.set(cacheKey, attrs);
    }
    return attrs;
  }

  private observeVersions(meter: Meter, versions: () => Iterable<VersionView>): void {
    const gauge = (spec: MetricSpec) =>
      meter.createObservableGauge(spec.name, { unit: spec.unit, description: spec.description });
    const counter = (spec: MetricSpec) =>
      meter.createObservableCounter(spec.name, { unit: spec.unit, description: spec.description });
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
    const active = meter.createObservableUpDownCounter(METRICS.active.name, {
      unit: METRICS.active.unit,
      description: METRICS.active.description,
    });
    const all: Observable[] = [
      active,
      state,
      info,
      predictions,
      classBaseline,
      lowConfidenceBaseline,
      missing,
      outOfRange,
      unseen,
      binValues,
      binBaseline,
      categoryValues,
      categoryBaseline,
      psi,
      windowSamples,
      psiThreshold,
    ];
    meter.addBatchObservableCallback((result: BatchObservableResult) => {
      for (const [attrs, count] of this.inFlight) result.observe(active, count, attrs);
      for (const v of versions()) {
        const model = { [ATTR.model]: v.name, [ATTR.version]: v.version };
        for (const s of MODEL_STATES)
          result.observe(state, s === v.state ? 1 : 0, { ...model, [ATTR.state]: s });
        if (v.state === "ready" && v.checksum !== undefined) {
          result.observe(info, 1, {
            ...model,
            [ATTR.checksum]: v.checksum,
            [ATTR.trainedAt]: v.trainedAt ?? "",
          });
        }
        const traffic = v.traffic;
        if (!traffic) continue;
        result.observe(psiThreshold, this.psiThreshold, model);
        result.observe(lowConfidenceBaseline, traffic.lowConfidenceShare(), model);
        traffic.profile.classes.forEach((c, i) => {
          const attrs = { ...model, [ATTR.predictedClass]: c };
          result.observe(predictions, traffic.predictions[i] ?? 0, attrs);
          result.observe(classBaseline, traffic.profile.classShares[c] ?? 0, attrs);
        });
        traffic.features.forEach((f, i) => {
          const attrs = { ...model, [ATTR.feature]: f.feature.name };
          result.observe(missing, f.missing, attrs);
          result.observe(windowSamples, traffic.windowSamples(i), attrs);
          const value = traffic.psi(i);
          if (value !== undefined) result.observe(psi, value, attrs);
          if (f.feature.type === "numeric") {
            result.observe(outOfRange, f.outOfRange, attrs);
            f.bins.forEach((count, b) => {
              const binAttrs = { ...attrs, [ATTR.bin]: String(b + 1) };
              result.observe(binValues, count, binAttrs);
              result.observe(binBaseline, f.baseline[b] ?? 0, binAttrs);
            });
          } else {
            result.observe(unseen, f.unseen, attrs);
            (f.feature.categories ?? []).forEach((category, b) => {
              const catAttrs = { ...attrs, [ATTR.category]: category };
              result.observe(categoryValues, f.bins[b] ?? 0, catAttrs);
              result.observe(categoryBaseline, f.baseline[b] ?? 0, catAttrs);
            });
          }
        });
      }
    }, all);
  }
}
