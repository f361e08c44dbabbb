import {
  BURN_ALERTS,
  type BurnAlert,
  checkLatencyThreshold,
  MIN_EVENTS_IN_LONG_WINDOW,
  SLO,
  type SloTargets,
} from "../../contract/alerting-config.js";
import type { Timescale } from "../../contract/duration.js";
import { ATTR, type Outcome } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { countAbove } from "../../contract/promql.js";
import { RPC_SERVER_ERROR_STATUSES } from "../../contract/rpc-names.js";
import { type SloName, sliRecordName } from "../../contract/slo-series.js";
import { noVersionReady } from "./model-alerts.js";
import { EXTERNAL, PROBE_ROUTES, PROBE_RPC_METHODS } from "./rule-inputs.js";
import {
  type AlertingRule,
  alertRule,
  DEPENDS,
  DEPENDS_ON,
  list,
  num,
  type RecordingRule,
  type RuleGroup,
} from "./rule-model.js";

/**
 * The two SLOs at two levels: availability and latency, for each service (`job`) and each model. Recording
 * rules give every SLI's bad-event ratio and request rate over every window the burn-rate alerts use; the
 * alerts compare those ratios with the error budget.
 */

const MODEL = promLabel(ATTR.model);
const OUTCOME = promLabel(ATTR.outcome);
const BAD_OUTCOMES: readonly Outcome[] = ["unavailable", "error"];

interface Sli {
  slo: SloName;
  level: "service" | "model";
  /** Labels the SLI is kept by. */
  by: readonly string[];
  /** Rate of events over `window` (PromQL range, e.g. "5m"), summed by `by`. */
  total(window: string): string;
  /** Rate of bad events over `window`, summed by `by`. */
  bad(window: string): string;
}

const recordName = (sli: Sli, what: "requests" | "errors", window: string) =>
  sliRecordName(sli.by, sli.slo, what, window);

export function slis(targets: SloTargets = SLO): Sli[] {
  checkLatencyThreshold(targets.latencyThresholdSeconds);
  const probes = `http_route!~"${PROBE_ROUTES.join("|")}"`;
  const rpcProbes = `rpc_method!~"${PROBE_RPC_METHODS.join("|")}"`;
  const rpcFailed = `rpc_status_code=~"${RPC_SERVER_ERROR_STATUSES.join("|")}"`;
  const success = `${OUTCOME}="success"`;
  const sum = (by: readonly string[], inner: string) => `sum by (${list(by)}) (${inner})`;
  /** Observations per second of a native histogram's series, as an instant vector of floats. */
  const count = (histogram: string, matchers: string, w: string) =>
    `histogram_count(rate(${histogram}${matchers ? `{${matchers}}` : ""}[${w}]))`;
  const http = (matchers: string, w: string) => count(EXTERNAL.httpDuration, matchers, w);
  const rpc = (matchers: string, w: string) => count(EXTERNAL.rpcDuration, matchers, w);
  const inference = (matchers: string, w: string) => count(PROM.inferenceDuration, matchers, w);
  const availability = (level: Sli["level"], by: readonly string[]): Sli =>
    level === "service"
      ? {
          slo: "availability",
          level,
          by,
          // HTTP requests and gRPC calls together; `or` keeps both sets of series (their labels differ) and
          // either alone when the other protocol has no traffic.
          total: (w) => sum(by, `${http(probes, w)}\nor\n${rpc(rpcProbes, w)}`),
          bad: (w) =>
            sum(
              by,
              `${http(`${probes}, http_response_status_code=~"5.."`, w)}\nor\n${rpc(`${rpcProbes}, ${rpcFailed}`, w)}`,
            ),
        }
      : {
          slo: "availability",
          level,
          by,
          total: (w) => sum(by, inference("", w)),
          bad: (w) => sum(by, inference(`${OUTCOME}=~"${BAD_OUTCOMES.join("|")}"`, w)),
        };
  const latency = (level: Sli["level"], by: readonly string[]): Sli => ({
    slo: "latency",
    level,
    by,
    total: (w) => sum(by, inference(success, w)),
    bad: (w) =>
      countAbove(
        targets.latencyThresholdSeconds,
        sum(by, `rate(${PROM.inferenceDuration}{${success}}[${w}])`),
      ),
  });
  return [
    availability("service", ["job"]),
    availability("model", ["job", MODEL]),
    latency("service", ["job"]),
    latency("model", ["job", MODEL]),
  ];
}

/** Every window any burn-rate alert reads, shortest first. */
function windows(alerts: readonly BurnAlert[]): number[] {
  const all = alerts.flatMap((a) => a.windows.flatMap((w) => [w.long, w.short]));
  return [...new Set(all)].sort((a, b) => a - b);
}

function recordingRules(sli: Sli, scale: Timescale): RecordingRule[] {
  return windows(BURN_ALERTS).flatMap((seconds) => {
    const w = scale.d(seconds);
    // Rules of a group run in order at one timestamp, so the ratio reads the rate recorded just before it.
    const requests = recordName(sli, "requests", w);
    return [
      { record: requests, expr: sli.total(w) },
      {
        record: recordName(sli, "errors", w),
        // With no bad event at all the numerator has no series; `or ... * 0` makes the ratio 0, not absent.
        expr: `(\n  ${indent(sli.bad(w))}\n  or\n  ${requests} * 0\n)\n/\n${requests}`,
      },
    ];
  });
}

const indent = (text: string) => text.replace(/\n/g, "\n  ");

const TITLE: Record<SloName, string> = { availability: "Availability", latency: "Latency" };

function budget(slo: SloName, targets: SloTargets): number {
  return 1 - targets[slo];
}

function burnAlert(sli: Sli, alert: BurnAlert, scale: Timescale, targets: SloTargets): AlertingRule {
  const b = num(budget(sli.slo, targets));
  const pairs = alert.windows.map((win) => {
    const long = scale.d(win.long);
    const short = scale.d(win.short);
    return [
      `  ${recordName(sli, "errors", long)} / ${b} > ${num(win.factor)}`,
      `  and`,
      `  ${recordName(sli, "errors", short)} / ${b} > ${num(win.factor)}`,
      `  and`,
      `  ${recordName(sli, "requests", long)} * ${scale.seconds(win.long)} >= ${MIN_EVENTS_IN_LONG_WINDOW}`,
    ].join("\n");
  });
  const burning = `(\n${pairs.join("\n)\nor\n(\n")}\n)`;
  // A model with no version loaded fails every request, and ModelNotLoaded pages for that; its `for:` would
  // lose the race to a page without one, so the model's availability burn stays quiet on its own. The
  // parentheses matter: `unless` binds tighter than the `or` between window pairs.
  const expr =
    sli.level === "model" && sli.slo === "availability"
      ? `(\n${burning}\n)\nunless on (${list(sli.by)})\n(${noVersionReady(sli.by)})`
      : burning;
  const windowText = alert.windows
    .map((w) => `${scale.d(w.long)}/${scale.d(w.short)} at ${num(w.factor)}x`)
    .join(" or ");
  const levelName = sli.level === "service" ? "Service" : "Model";
  const who =
    sli.level === "service"
      ? "Service {{ $labels.job }}"
      : "Model {{ $labels.model_name }} on {{ $labels.job }}";
  const what =
    sli.slo === "availability"
      ? sli.level === "service"
        ? "requests answered 5xx or with a gRPC server-error status"
        : "inference requests answered unavailable or error"
      : `successful inference requests slower than ${num(targets.latencyThresholdSeconds)} s`;
  const pace = alert.severity === "critical" ? "fast" : "slowly";
  return alertRule({
    alert: `${levelName}${TITLE[sli.slo]}BudgetBurn`,
    expr,
    for: alert.for === undefined ? undefined : scale.d(alert.for),
    severity: alert.severity,
    labels: { slo: sli.slo, [DEPENDS_ON]: DEPENDS.apiTelemetry },
    summary: `${who} is ${pace} burning its ${sli.slo} error budget`,
    description:
      `${who}: ${what} are spending the 30-day error budget of the ${num(targets[sli.slo] * 100)}% ` +
      `${sli.slo} SLO {{ $value | printf "%.1f" }}x faster than sustainable over the long window ` +
      `(windows ${windowText}).`,
    dashboard: "overview",
  });
}

export function sloGroups(scale: Timescale, targets: SloTargets = SLO): RuleGroup[] {
  const all = slis(targets);
  return [
    { name: "inferwatch-sli", rules: all.flatMap((sli) => recordingRules(sli, scale)) },
    {
      name: "inferwatch-slo-alerts",
      rules: all.flatMap((sli) => BURN_ALERTS.map((alert) => burnAlert(sli, alert, scale, targets))),
    },
  ];
}
