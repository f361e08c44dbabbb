import { DASHBOARD_INTERVAL } from "./recorded-series.js";

/**
 * Names of the SLI series the SLO rules record (prometheus/rules/slo-rules.ts) and the dashboards read
 * (grafana/src/slo.ts), kubernetes-mixin style: `<labels kept>:<what>:<operation>`.
 */

export const SLO_NAMES = ["availability", "latency"] as const;
export type SloName = (typeof SLO_NAMES)[number];

/** An SLI's request rate, or its bad-event ratio, over a window, kept by `by`. */
export function sliRecordName(
  by: readonly string[],
  slo: SloName,
  what: "requests" | "errors",
  window: string,
): string {
  const level = by.join("_");
  return what === "requests"
    ? `${level}:inferwatch_${slo}_requests:rate${window}`
    : `${level}:inferwatch_${slo}_errors:ratio_rate${window}`;
}

/**
 * The service-level SLIs' good and bad events per second over one dashboard interval, by job: the error
 * budget over the whole SLO period sums these rather than every raw sample.
 */
export function sloEventsName(slo: SloName, kind: "requests" | "errors"): string {
  return `job:inferwatch_${slo}_${kind}:rate${DASHBOARD_INTERVAL}`;
}
