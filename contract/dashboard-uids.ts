/**
 * Uids of the provisioned dashboards: the one place they are written. Links into Grafana (alert annotations,
 * docs) build their URLs from these; a test checks that every dashboard link in the alert rules names one.
 */
export const DASHBOARD_UIDS = {
  overview: "inferwatch-overview",
  model: "inferwatch-model",
  quality: "inferwatch-model-quality",
  runtime: "inferwatch-runtime",
  pipeline: "inferwatch-pipeline",
} as const;

export type DashboardKey = keyof typeof DASHBOARD_UIDS;
