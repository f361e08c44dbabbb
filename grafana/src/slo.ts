import { BURN_ALERTS, SLO, SLO_PERIOD_SECONDS } from "../../contract/alerting-config.js";
import { promDuration } from "../../contract/duration.js";
import { type SloName, sliRecordName, sloEventsName } from "../../contract/slo-series.js";

/**
 * The SLOs as the alerting rules define them: targets, burn rates and the recorded SLI series' names, all
 * from contract/, so a dashboard shows exactly what pages.
 */

export const SLO_TARGETS = SLO;
export const SLO_PERIOD = promDuration(SLO_PERIOD_SECONDS);

/** Burn-rate factor of the fastest alert: its line on the burn-rate panel is where paging starts. */
export const PAGE_BURN_RATE = Math.max(...BURN_ALERTS.flatMap((a) => a.windows.map((w) => w.factor)));

/**
 * The service-level (`job`) recording rule of an SLO: its error ratio or its request rate over a window.
 * Names follow the rules' convention `<labels kept>:<what>:<operation>`; the end-to-end panel test proves each one
 * asked for exists.
 */
export function recorded(slo: SloName, kind: "errors" | "requests", windowSeconds: number): string {
  return sliRecordName(["job"], slo, kind, promDuration(windowSeconds));
}

/**
 * Share of the SLO period's error budget spent, by job: the SLI's good and bad events as the dashboards'
 * rules record them each minute (the SLIs' own expressions), summed over the whole period. No bad event at
 * all gives 0, not an absent series.
 */
export function budgetSpent(slo: SloName): string {
  const budget = 1 - SLO[slo];
  const sum = (kind: "errors" | "requests") =>
    `sum by (job) (sum_over_time(${sloEventsName(slo, kind)}[${SLO_PERIOD}]))`;
  return `(\n  (\n    ${sum("errors")}\n    or\n    ${sum("requests")} * 0\n  )\n  /\n  ${sum("requests")}\n) / ${Number(budget.toPrecision(12))}`;
}
