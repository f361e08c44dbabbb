import { MINUTE, promDuration } from "./duration.js";
import { ALERTMANAGER, HTTP, RUNTIME, SPAN_METRICS } from "./external-metrics.js";
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

export type RecordedSpec =
  | {
      kind: "rate" | "increase";
      metric: string;
      by: readonly string[];
      /** `avg` records a typical instance rather than the sum. */
      aggregation?: "sum" | "avg";
    }
  | { kind: "gauge"; aggregation: "max" | "sum"; metric: string; by: readonly string[] }
  | {
      kind: "quantiles";
      qs: readonly number[];
      histogram: string;
      by: readonly string[];
      matchers?: readonly string[];
    };

/** Labels a recorded series keeps besides `job` (quantiles add `quantile`, as kubernetes-mixin does). */
export function keptLabels(spec: RecordedSpec): readonly string[] {
  return spec.kind === "quantiles" ? [...spec.by, "quantile"] : spec.by;
}

/** The recorded series' name. */
export function recordName(spec: RecordedSpec): string {
  const level = ["job", ...keptLabels(spec)].join("_");
  switch (spec.kind) {
    case "rate":
    case "increase": {
      const prefix = spec.aggregation === "avg" ? "avg_" : "";
      return `${level}:${spec.metric}:${prefix}${spec.kind}${DASHBOARD_INTERVAL}`;
    }
    case "gauge":
      return `${level}:${spec.metric}:${spec.aggregation}`;
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
const increase = (metric: string, by: readonly string[]): RecordedSpec => ({ kind: "increase", metric, by });
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
  httpRequests: rate(`${HTTP.duration}_count`, ["http_route", "http_response_status_code"]),
  /** Server span latency by route (overview). */
  routeLatency: quantiles(
    [0.5, 0.95, 0.99],
    SPAN_METRICS.duration,
    ["http_route"],
    [`span_kind="SPAN_KIND_SERVER"`],
  ),
  /** Internal span latency by span name (the inference span on the model dashboard). */
  spanLatency: quantiles([0.99], SPAN_METRICS.duration, ["span_name"], [`span_kind="SPAN_KIND_INTERNAL"`]),
  active: gauge("sum", PROM.active, ["instance", ...MV]),
  predictions: rate(PROM.predictions, [...MV, promLabel(ATTR.predictedClass)]),
  classBaseline: gauge("max", PROM.classBaseline, [...MV, promLabel(ATTR.predictedClass)]),
  confidence: increase(`${PROM.confidence}_bucket`, [...MV, "le"]),
  lowConfidenceBaseline: gauge("max", PROM.lowConfidenceBaseline, MV),
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
  inferenceRequests: rate(`${PROM.inferenceDuration}_count`, [...MV, promLabel(ATTR.outcome)]),
  rows: quantiles([0.5, 0.95], PROM.rows, MV),
  modelState: gauge("max", PROM.modelState, [...MV, promLabel(ATTR.state)]),
  loads: increase(`${PROM.loadDuration}_count`, [...MV, promLabel(ATTR.loadOutcome)]),
  unloads: increase(PROM.unloads, MV),
  processCpu: rate(RUNTIME.processCpu, ["instance", "cpu_mode"]),
  processMemory: gauge("sum", RUNTIME.processMemory, ["instance"]),
  heapSize: gauge("sum", RUNTIME.heapSize, ["instance"]),
  heapUsed: gauge("sum", RUNTIME.heapUsed, ["instance"]),
  heapUsedBySpace: gauge("sum", RUNTIME.heapUsed, ["v8js_heap_space_name"]),
  gcByInstance: rate(`${RUNTIME.gcDuration}_sum`, ["instance"]),
  gcByKind: rate(`${RUNTIME.gcDuration}_sum`, ["v8js_gc_type"], "avg"),
  eventLoopDelayP50: gauge("max", RUNTIME.eventLoopDelayP50, ["instance"]),
  eventLoopDelayP90: gauge("max", RUNTIME.eventLoopDelayP90, ["instance"]),
  eventLoopDelayP99: gauge("max", RUNTIME.eventLoopDelayP99, ["instance"]),
  eventLoopDelayMax: gauge("max", RUNTIME.eventLoopDelayMax, ["instance"]),
  eventLoopUtilization: gauge("max", RUNTIME.eventLoopUtilization, ["instance"]),
  notifications: rate(ALERTMANAGER.notifications, ["instance", "integration"]),
  notificationsFailed: rate(ALERTMANAGER.notificationsFailed, ["instance", "integration"]),
} as const satisfies Record<string, RecordedSpec>;

export type RecordedKey = keyof typeof RECORDED;
