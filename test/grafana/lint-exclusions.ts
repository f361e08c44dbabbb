import { DASHBOARD_UIDS } from "../../grafana/src/dashboard-uids.js";
import type { Exclusion } from "./dashboard-lint.js";

/**
 * Where a lint rule does not fit, and why: dashboard-linter's `.lint` exclusions, one panel at a time. The
 * lint test fails on an exclusion that no longer excuses anything, so this list cannot go stale.
 */

const RECORDED =
  "SLO recording rules keep only `job` (they sum instances away), so no instance can be matched";
const SLI_EXPRESSIONS =
  "the SLI expressions are prometheus/rules/slo-rules.ts's own (shared with the burn-rate alerts, so the panel shows what pages), summed by job and kept for the chosen service with `and on (job)`; instances are summed away";
const SLO_PERIOD =
  "an error budget is spent over the fixed SLO period, not over the panel's step, so the rate spans the period";

export const LINT_EXCLUSIONS: readonly Exclusion[] = [
  ...["Availability SLI, last hour", "Latency SLI, last hour", "Error budget burn rate"].map(
    (panel): Exclusion => ({
      rule: "target-job-instance-rule",
      dashboard: DASHBOARD_UIDS.overview,
      panel,
      reason: RECORDED,
    }),
  ),
  ...["Availability error budget left (30d)", "Latency error budget left (30d)"].flatMap(
    (panel): Exclusion[] => [
      {
        rule: "target-job-instance-rule",
        dashboard: DASHBOARD_UIDS.overview,
        panel,
        reason: SLI_EXPRESSIONS,
      },
      { rule: "target-rate-interval-rule", dashboard: DASHBOARD_UIDS.overview, panel, reason: SLO_PERIOD },
    ],
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
    dashboard: DASHBOARD_UIDS.model,
    panel: "Latency by phase (p95)",
    reason:
      "phases are timed inside the inference span and have no spans of their own, so no trace exemplifies one; the Inference latency panel beside it carries the inference span's exemplars",
  },
];
