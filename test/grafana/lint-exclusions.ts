import { DASHBOARD_UIDS } from "../../contract/dashboard-uids.js";
import type { Exclusion } from "./dashboard-lint.js";

/**
 * Where a lint rule does not fit, and why: dashboard-linter's `.lint` exclusions, one panel at a time. The
 * lint test fails on an exclusion that no longer excuses anything, so this list cannot go stale.
 */

const SLI_EXPRESSIONS =
  "the error budget sums the SLIs' recorded minute rates (prometheus/rules/dashboard-rules.ts, the SLI expressions of slo-rules.ts shared with the burn-rate alerts) over the SLO period, by job, and keeps the chosen service with `and on (job)`";

export const LINT_EXCLUSIONS: readonly Exclusion[] = [
  ...["Availability error budget left (30d)", "Latency error budget left (30d)"].map(
    (panel): Exclusion => ({
      rule: "target-job-instance-rule",
      dashboard: DASHBOARD_UIDS.overview,
      panel,
      reason: SLI_EXPRESSIONS,
    }),
  ),
  {
    rule: "target-job-instance-rule",
    dashboard: DASHBOARD_UIDS.overview,
    panel: "Firing alerts",
    reason:
      "alerts come from every part of the stack (service, models, collector, Prometheus, the Watchdog); their labels are the rules' grouping, not one scrape target's",
  },
  {
    rule: "panel-exemplar-rule",
    dashboard: DASHBOARD_UIDS.quality,
    panel: "Label delay",
    reason:
      "a label's delay is measured when the label arrives, long after the prediction's trace: no span of the feedback request is about the delay",
  },
];
