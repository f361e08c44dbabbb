import { BURN_ALERTS, SLO, SLO_PERIOD_SECONDS } from "../../prometheus/rules/alerting-config.js";
import { sloEvents } from "../../prometheus/rules/dashboard-rules.js";
import { promDuration, Timescale } from "../../prometheus/rules/duration.js";
import type { RecordingRule } from "../../prometheus/rules/rule-model.js";
import { sloGroups } from "../../prometheus/rules/slo-rules.js";

/**
 * The SLOs as the alerting rules define them (prometheus/rules/): targets, the SLI expressions and the
 * recording rules' names, read from that code rather than retyped, so a dashboard shows exactly what pages.
 */

export type SloName = "availability" | "latency";

export const SLO_TARGETS = SLO;
export const SLO_PERIOD = promDuration(SLO_PERIOD_SECONDS);

/** Burn-rate factor of the fastest alert: its line on the burn-rate panel is where paging starts. */
export const PAGE_BURN_RATE = Math.max(...BURN_ALERTS.flatMap((a) => a.windows.map((w) => w.factor)));

const recordingRules: RecordingRule[] = sloGroups(new Timescale())
  .flatMap((g) => g.rules)
  .filter((r): r is RecordingRule => "record" in r);

/**
 * The service-level (`job`) recording rule of an SLO: its error ratio or its request rate over a window.
 * Names follow the rules' convention `<labels kept>:<what>:<operation>`; a test checks each one asked for
 * exists exactly once.
 */
export function recorded(slo: SloName, kind: "errors" | "requests", windowSeconds: number): string {
  const window = promDuration(windowSeconds);
  const found = recordingRules.filter((r) => {
    const [level, what, operation] = r.record.split(":");
    return (
      level === "job" &&
      what?.endsWith(`_${slo}_${kind}`) === true &&
      operation === (kind === "errors" ? `ratio_rate${window}` : `rate${window}`)
    );
  });
  if (found.length !== 1 || !found[0]) {
    throw new Error(`${found.length} recording rules for the ${slo} ${kind} over ${window}, not one`);
  }
  return found[0].record;
}

/**
 * Share of the SLO period's error budget spent, by job: the SLI's good and bad events as the dashboards'
 * rules record them each minute (the SLIs' own expressions), summed over the whole period. No bad event at
 * all gives 0, not an absent series.
 */
export function budgetSpent(slo: SloName): string {
  const budget = 1 - SLO[slo];
  const sum = (kind: "errors" | "requests") =>
    `sum by (job) (sum_over_time(${sloEvents(slo, kind)}[${SLO_PERIOD}]))`;
  return `(\n  (\n    ${sum("errors")}\n    or\n    ${sum("requests")} * 0\n  )\n  /\n  ${sum("requests")}\n) / ${Number(budget.toPrecision(12))}`;
}
