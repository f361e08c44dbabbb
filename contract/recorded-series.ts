import { MINUTE, promDuration } from "./duration.js";
import { ALERTMANAGER, HTTP, RPC, RUNTIME } from "./external-metrics.js";
import { CONFIDENCE_BUCKETS } from "./histogram-buckets.js";
import { ATTR } from "./metric-catalogue.js";
import { PROM, promLabel } from "./prometheus-names.js";

/**
 * The series the dashboards read from recording rules instead of raw metrics: what each one records and which
 * labels it keeps. prometheus/rules/dashboard-rules.ts turns each into rules; grafana/src/recorded.ts builds
 * panel queries on their names. Both read this table, so neither imports the other.
 *
 * Names follow kubernetes-mixin: `<labels kept>:<metric>:<operation>`.
 */

/** The dashboards' rule group interval, and the window of its rates and increases. */
export const DASHBOARD_INTERVAL = promDuration(MINUTE);
/** Quantiles cannot be averaged back into a histogram, so they are recorded over a longer window. */
export const QUANTILE_WINDOW = promDuration(5 * MINUTE);
/**
 * How far behind the clock anchored increases are evaluated (their group's query_offset). A pushed sample
 * reaches Prometheus after its timestamp (the collector's batch timeout and a retry or two): one that lands
 * after the minute it belongs to was recorded would be in neither that minute nor the next, whose anchor is
 * already past it. Counts a panel adds up therefore wait this long.
 */
export const ANCHORED_QUERY_OFFSET = promDuration(30);

/** What is read of a native histogram's rate or increase: its observations or their sum. */
export type HistogramPart = "count" | "sum";

export type RecordedSpec =
  | {
      kind: "rate" | "increase";
      metric: string;
      by: readonly string[];
      /** `avg` records a typical instance rather than the sum. */
      aggregation?: "sum" | "avg";
      /** Set on a native histogram: record only its count (`histogram_count`) or sum (`histogram_sum`). */
      part?: HistogramPart;
      /**
       * A float counter's increase without extrapolation (`anchored`: from the last sample at or before the
       * minute's start to the last one in it), so that consecutive minutes add up to the counter's growth
       * exactly and a panel can sum them over any range; evaluated ANCHORED_QUERY_OFFSET late.
       */
      anchored?: true;
    }
  | { kind: "gauge"; aggregation: "max" | "sum"; metric: string; by: readonly string[] }
  | {
      /**
       * A recorded native histogram's classic cumulative buckets per minute, one float series per `le`
       * (`bounds`, then `+Inf`), from the `increase` of `metric` by `by` recorded before them in the group.
       * Grafana's heatmap drops the open-ended first and last buckets of a histogram with custom buckets
       * (grafana/grafana#125186, #114584), the first being where the least confident predictions fall, so it
       * gets classic buckets until Grafana draws them; cut at query time, every bound re-read the histogram
       * twice over the whole range.
       */
      kind: "buckets";
      metric: string;
      bounds: readonly number[];
      by: readonly string[];
    }
  | {
      kind: "quantiles";
      qs: readonly number[];
      histogram: string;
      by: readonly string[];
      matchers?: readonly string[];
    };

/** Labels a recorded series keeps besides `job` (quantiles add `quantile`, buckets `le`, as kubernetes-mixin does). */
export function keptLabels(spec: RecordedSpec): readonly string[] {
  if (spec.kind === "quantiles") return [...spec.by, "quantile"];
  if (spec.kind === "buckets") return [...spec.by, "le"];
  return spec.by;
}

/** The recorded series' name. */
export function recordName(spec: RecordedSpec): string {
  const level = ["job", ...keptLabels(spec)].join("_");
  switch (spec.kind) {
    case "rate":
    case "increase": {
      const prefix = spec.aggregation === "avg" ? "avg_" : "";
      const part = spec.part ? `_${spec.part}` : "";
      return `${level}:${spec.metric}${part}:${prefix}${spec.kind}${DASHBOARD_INTERVAL}`;
    }
    case "gauge":
      return `${level}:${spec.metric}:${spec.aggregation}`;
    case "buckets":
      return `${level}:${spec.metric}_bucket:increase${DASHBOARD_INTERVAL}`;
    case "quantiles":
      return `${level}:${spec.histogram}:histogram_quantile_rate${QUANTILE_WINDOW}`;
  }
}

const MV = [promLabel(ATTR.model), promLabel(ATTR.version)] as const;
const FEATURE = [...MV, promLabel(ATTR.feature)] as const;
const rate = (metric: string, by: readonly string[], aggregation?: "avg"): RecordedSpec => ({
  kind: "rate",
  metric,
  by,
  ...(aggregation ? { aggregation } : {}),
});
const increase = (
  metric: string,
  by: readonly string[],
  options: { anchored?: true } = {},
): RecordedSpec => ({
  kind: "increase",
  metric,
  by,
  ...options,
});
/** A native histogram's count or sum per second (per minute with `increase`). */
const histogramPart = (
  part: HistogramPart,
  kind: "rate" | "increase",
  histogram: string,
  by: readonly string[],
  aggregation?: "avg",
): RecordedSpec => ({ kind, metric: histogram, by, part, ...(aggregation ? { aggregation } : {}) });
const gauge = (aggregation: "max" | "sum", metric: string, by: readonly string[]): RecordedSpec => ({
  kind: "gauge",
  aggregation,
  metric,
  by,
});
const quantiles = (
  qs: readonly number[],
  histogram: string,
  by: readonly string[],
  matchers: readonly string[] = [],
): RecordedSpec => ({ kind: "quantiles", qs, histogram, by, matchers });

/** The recorded series, by what the dashboards call them. */
export const RECORDED = {
  /** Requests by route and status code: request rate, responses and error ratio on the overview. */
  httpRequests: histogramPart("count", "rate", HTTP.duration, ["http_route", "http_response_status_code"]),
  /** gRPC calls by method and status code: the overview's gRPC row. */
  rpcCalls: histogramPart("count", "rate", RPC.duration, ["rpc_method", "rpc_status_code"]),
  /** gRPC call latency by method (overview). */
  rpcLatency: quantiles([0.5, 0.99], RPC.duration, ["rpc_method"]),
  /**
   * Request latency by route (overview), from the SDK's HTTP metric, not span metrics: it counts every
   * request, whatever share of traces the telemetry profile keeps.
   */
  routeLatency: quantiles([0.5, 0.95, 0.99], HTTP.duration, ["http_route"]),
  active: gauge("sum", PROM.active, ["instance", ...MV]),
  predictions: rate(PROM.predictions, [...MV, promLabel(ATTR.predictedClass)]),
  classBaseline: gauge("max", PROM.classBaseline, [...MV, promLabel(ATTR.predictedClass)]),
  /** The confidence histogram itself (a native histogram per minute), for the distribution and low share. */
  confidence: increase(PROM.confidence, MV),
  /** Its cumulative buckets per minute, for the distribution's heatmap. */
  confidenceBuckets: { kind: "buckets", metric: PROM.confidence, bounds: CONFIDENCE_BUCKETS, by: MV },
  lowConfidenceBaseline: gauge("max", PROM.lowConfidenceBaseline, MV),
  /** Labelled predictions by predicted and true class, for the confusion matrix over the dashboard's range. */
  confusion: increase(PROM.feedback, [...MV, promLabel(ATTR.predictedClass), promLabel(ATTR.feedbackClass)], {
    anchored: true,
  }),
  margin: quantiles([0.1, 0.5], PROM.margin, MV),
  predictedValue: quantiles([0.1, 0.5, 0.9], PROM.predictedValue, MV),
  predictionBins: rate(PROM.predictionBinValues, [...MV, promLabel(ATTR.predictionBin)]),
  predictionBinBaseline: gauge("max", PROM.predictionBinBaseline, [...MV, promLabel(ATTR.predictionBin)]),
  predictionPsi: gauge("max", PROM.predictionPsi, MV),
  psi: gauge("max", PROM.psi, FEATURE),
  psiThreshold: gauge("max", PROM.psiThreshold, MV),
  windowSamples: gauge("max", PROM.windowSamples, FEATURE),
  missing: rate(PROM.missing, FEATURE),
  outOfRange: rate(PROM.outOfRange, FEATURE),
  unseen: rate(PROM.unseen, FEATURE),
  validationErrors: rate(PROM.validationErrors, [...MV, promLabel(ATTR.reason)]),
  inferenceLatency: quantiles([0.5, 0.95, 0.99], PROM.inferenceDuration, MV),
  phaseLatency: quantiles([0.95], PROM.phaseDuration, [...MV, promLabel(ATTR.phase)]),
  inferenceRequests: histogramPart("count", "rate", PROM.inferenceDuration, [...MV, promLabel(ATTR.outcome)]),
  rows: quantiles([0.5, 0.95], PROM.rows, MV),
  modelState: gauge("max", PROM.modelState, [...MV, promLabel(ATTR.state)]),
  loads: histogramPart("count", "increase", PROM.loadDuration, [...MV, promLabel(ATTR.loadOutcome)]),
  unloads: increase(PROM.unloads, MV),
  processCpu: rate(RUNTIME.processCpu, ["instance", "cpu_mode"]),
  processMemory: gauge("sum", RUNTIME.processMemory, ["instance"]),
  heapSize: gauge("sum", RUNTIME.heapSize, ["instance"]),
  heapUsed: gauge("sum", RUNTIME.heapUsed, ["instance"]),
  heapUsedBySpace: gauge("sum", RUNTIME.heapUsed, ["v8js_heap_space_name"]),
  gcByInstance: histogramPart("sum", "rate", RUNTIME.gcDuration, ["instance"]),
  gcByKind: histogramPart("sum", "rate", RUNTIME.gcDuration, ["v8js_gc_type"], "avg"),
  eventLoopDelayP50: gauge("max", RUNTIME.eventLoopDelayP50, ["instance"]),
  eventLoopDelayP90: gauge("max", RUNTIME.eventLoopDelayP90, ["instance"]),
  eventLoopDelayP99: gauge("max", RUNTIME.eventLoopDelayP99, ["instance"]),
  eventLoopDelayMax: gauge("max", RUNTIME.eventLoopDelayMax, ["instance"]),
  eventLoopUtilization: gauge("max", RUNTIME.eventLoopUtilization, ["instance"]),
  notifications: rate(ALERTMANAGER.notifications, ["instance", "integration"]),
  notificationsFailed: rate(ALERTMANAGER.notificationsFailed, ["instance", "integration"]),
} as const satisfies Record<string, RecordedSpec>;

export type RecordedKey = keyof typeof RECORDED;
