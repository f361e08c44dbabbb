import { BURN_ALERTS, SLO, SLO_PERIOD_SECONDS } from "../../prometheus/rules/alerting-config.js";
import { promDuration, Timescale } from "../../prometheus/rules/duration.js";
import type { RecordingRule } from "../../prometheus/rules/rule-model.js";
import { slis, sloGroups } from "../../prometheus/rules/slo-rules.js";

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
 * Share of the SLO period's error budget spent, by job: the SLI's own expressions (as the recording rules
 * compute them) over the whole period. No bad event at all gives 0, not an absent series.
 */
export function budgetSpent(slo: SloName): string {
  const sli = slis().find((s) => s.level === "service" && s.slo === slo);
  if (!sli) throw new Error(`no service-level ${slo} SLI in prometheus/rules/slo-rules.ts`);
  const budget = 1 - SLO[slo];
  const total = sli.total(SLO_PERIOD);
  return `(\n  (\n    ${sli.bad(SLO_PERIOD).replace(/\n/g, "\n    ")}\n    or\n    ${total} * 0\n  )\n  /\n  ${total}\n) / ${Number(budget.toPrecision(12))}`;
}
