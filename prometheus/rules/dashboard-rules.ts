import { ATTR } from "../../ml-api/src/telemetry/metric-catalogue.js";
import { PROM, promLabel } from "../../ml-api/src/telemetry/prometheus-names.js";
import { SLO, type SloTargets } from "./alerting-config.js";
import { MINUTE, promDuration } from "./duration.js";
import { EXTERNAL } from "./external-metrics.js";
import { list, type RecordingRule, type RuleGroup } from "./rule-model.js";
import { type SloName, slis } from "./slo-rules.js";

/**
 * Recording rules the dashboards read, so that every panel answers within 200 ms over a week of a
 * ten-replica deployment (bench/dashboard-queries.ts measures it). Raw, a week of one panel's series is
 * millions of samples; these keep only the labels the panel shows (and `job`, and model and version where a
 * dashboard picks them), and run once a minute instead of at every scrape, a quarter of the samples.
 *
 * Rates and increases are over one evaluation interval, so consecutive samples tile time exactly: a panel
 * averages (rates) or sums (increases) the samples within its own interval and gets the raw query's answer
 * at any zoom. Quantiles cannot be averaged back into a histogram; they are recorded over 5 minutes and the
 * panels show the highest within each interval.
 *
 * Names follow the other rules: `<labels kept>:<metric>:<operation>`.
 */

/** The group's evaluation interval, and the window of its rates and increases. */
export const DASHBOARD_INTERVAL = promDuration(MINUTE);
export const QUANTILE_WINDOW = promDuration(5 * MINUTE);

const MODEL = promLabel(ATTR.model);
const VERSION = promLabel(ATTR.version);
const MV = [MODEL, VERSION] as const;

/** A recorded series and the labels it keeps besides `job`. */
export interface Recorded {
  record: string;
  by: readonly string[];
  rules: RecordingRule[];
}

const level = (by: readonly string[]) => ["job", ...by].join("_");
const selector = (metric: string, matchers: readonly string[]) =>
  matchers.length > 0 ? `${metric}{${matchers.join(", ")}}` : metric;

/** A rate or increase over one interval, summed (or, for a typical instance, averaged) by `job` and `by`. */
function over(
  operation: "rate" | "increase",
  metric: string,
  by: readonly string[],
  aggregation: "sum" | "avg" = "sum",
): Recorded {
  const prefix = aggregation === "sum" ? "" : `${aggregation}_`;
  const record = `${level(by)}:${metric}:${prefix}${operation}${DASHBOARD_INTERVAL}`;
  return {
    record,
    by,
    rules: [
      {
        record,
        expr: `${aggregation} by (${list(["job", ...by])}) (${operation}(${metric}[${DASHBOARD_INTERVAL}]))`,
      },
    ],
  };
}

function gauge(aggregation: "max" | "sum", metric: string, by: readonly string[]): Recorded {
  const record = `${level(by)}:${metric}:${aggregation}`;
  return { record, by, rules: [{ record, expr: `${aggregation} by (${list(["job", ...by])}) (${metric})` }] };
}

/** One rule per quantile, told apart by a `quantile` label as kubernetes-mixin does. */
function quantiles(
  qs: readonly number[],
  histogram: string,
  by: readonly string[],
  matchers: readonly string[] = [],
): Recorded {
  const record = `${level([...by, "quantile"])}:${histogram}:histogram_quantile_rate${QUANTILE_WINDOW}`;
  const buckets = selector(`${histogram}_bucket`, matchers);
  return {
    record,
    by: [...by, "quantile"],
    rules: qs.map((q) => ({
      record,
      expr: `histogram_quantile(${q}, sum by (${list(["job", ...by, "le"])}) (rate(${buckets}[${QUANTILE_WINDOW}])))`,
      labels: { quantile: String(q) },
    })),
  };
}

const SPAN_DURATION = EXTERNAL.spanDuration;

/** The recorded series, by what the dashboards call them. */
export const RECORDED = {
  /** Requests by route and status code: request rate, responses and error ratio on the overview. */
  httpRequests: over("rate", `${EXTERNAL.httpDuration}_count`, ["http_route", "http_response_status_code"]),
  /** gRPC calls by method and status code: the overview's gRPC row. */
  rpcCalls: over("rate", `${EXTERNAL.rpcDuration}_count`, ["rpc_method", "rpc_status_code"]),
  /** gRPC call latency by method (overview). */
  rpcLatency: quantiles([0.5, 0.99], EXTERNAL.rpcDuration, ["rpc_method"]),
  /** Server span latency by route (overview). */
  routeLatency: quantiles([0.5, 0.95, 0.99], SPAN_DURATION, ["http_route"], [`span_kind="SPAN_KIND_SERVER"`]),
  /** Internal span latency by span name (the inference span on the model dashboard). */
  spanLatency: quantiles([0.99], SPAN_DURATION, ["span_name"], [`span_kind="SPAN_KIND_INTERNAL"`]),
  active: gauge("sum", PROM.active, ["instance", ...MV]),
  predictions: over("rate", PROM.predictions, [...MV, promLabel(ATTR.predictedClass)]),
  classBaseline: gauge("max", PROM.classBaseline, [...MV, promLabel(ATTR.predictedClass)]),
  confidence: over("increase", `${PROM.confidence}_bucket`, [...MV, "le"]),
  lowConfidenceBaseline: gauge("max", PROM.lowConfidenceBaseline, MV),
  margin: quantiles([0.1, 0.5], PROM.margin, MV),
  psi: gauge("max", PROM.psi, [...MV, promLabel(ATTR.feature)]),
  psiThreshold: gauge("max", PROM.psiThreshold, MV),
  windowSamples: gauge("max", PROM.windowSamples, [...MV, promLabel(ATTR.feature)]),
  missing: over("rate", PROM.missing, [...MV, promLabel(ATTR.feature)]),
  outOfRange: over("rate", PROM.outOfRange, [...MV, promLabel(ATTR.feature)]),
  unseen: over("rate", PROM.unseen, [...MV, promLabel(ATTR.feature)]),
  validationErrors: over("rate", PROM.validationErrors, [...MV, promLabel(ATTR.reason)]),
  inferenceLatency: quantiles([0.5, 0.95, 0.99], PROM.inferenceDuration, MV),
  phaseLatency: quantiles([0.95], PROM.phaseDuration, [...MV, promLabel(ATTR.phase)]),
  inferenceRequests: over("rate", `${PROM.inferenceDuration}_count`, [...MV, promLabel(ATTR.outcome)]),
  rows: quantiles([0.5, 0.95], PROM.rows, MV),
  modelState: gauge("max", PROM.modelState, [...MV, promLabel(ATTR.state)]),
  loads: over("increase", `${PROM.loadDuration}_count`, [...MV, promLabel(ATTR.loadOutcome)]),
  unloads: over("increase", PROM.unloads, MV),
  processCpu: over("rate", EXTERNAL.processCpu, ["instance", "cpu_mode"]),
  processMemory: gauge("sum", EXTERNAL.processMemory, ["instance"]),
  heapSize: gauge("sum", EXTERNAL.heapSize, ["instance"]),
  heapUsed: gauge("sum", EXTERNAL.heapUsed, ["instance"]),
  heapUsedBySpace: gauge("sum", EXTERNAL.heapUsed, ["v8js_heap_space_name"]),
  gcByInstance: over("rate", `${EXTERNAL.gcDuration}_sum`, ["instance"]),
  gcByKind: over("rate", `${EXTERNAL.gcDuration}_sum`, ["v8js_gc_type"], "avg"),
  eventLoopDelayP50: gauge("max", EXTERNAL.eventLoopDelay[0], ["instance"]),
  eventLoopDelayP90: gauge("max", EXTERNAL.eventLoopDelay[1], ["instance"]),
  eventLoopDelayP99: gauge("max", EXTERNAL.eventLoopDelay[2], ["instance"]),
  eventLoopDelayMax: gauge("max", EXTERNAL.eventLoopDelay[3], ["instance"]),
  eventLoopUtilization: gauge("max", EXTERNAL.eventLoopUtilization, ["instance"]),
  notifications: over("rate", EXTERNAL.notifications, ["instance", "integration"]),
  notificationsFailed: over("rate", EXTERNAL.notificationsFailed, ["instance", "integration"]),
} as const satisfies Record<string, Recorded>;

export type RecordedKey = keyof typeof RECORDED;

/**
 * The SLIs' good and bad events per second over one interval, by job, for the error budget over the whole
 * SLO period: a 30-day budget summed from these reads 43 200 samples a series instead of every raw sample.
 * The expressions are the SLIs' own (slo-rules.ts), so the budget counts exactly what the alerts count.
 */
export function sloEvents(slo: SloName, kind: "requests" | "errors", targets: SloTargets = SLO): string {
  const sli = slis(targets).find((s) => s.level === "service" && s.slo === slo);
  if (!sli) throw new Error(`no service-level ${slo} SLI`);
  return `job:inferwatch_${slo}_${kind}:rate${DASHBOARD_INTERVAL}`;
}

function sloEventRules(targets: SloTargets): RecordingRule[] {
  return slis(targets)
    .filter((s) => s.level === "service")
    .flatMap((sli) => [
      { record: sloEvents(sli.slo, "requests", targets), expr: sli.total(DASHBOARD_INTERVAL) },
      { record: sloEvents(sli.slo, "errors", targets), expr: sli.bad(DASHBOARD_INTERVAL) },
    ]);
}

export function dashboardGroups(targets: SloTargets = SLO): RuleGroup[] {
  return [
    {
      name: "inferwatch-dashboards",
      interval: DASHBOARD_INTERVAL,
      rules: [...Object.values(RECORDED).flatMap((r) => r.rules), ...sloEventRules(targets)],
    },
  ];
}
