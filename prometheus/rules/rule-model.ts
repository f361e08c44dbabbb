import { ALERT_LINKS, type Severity } from "../../contract/alerting-config.js";
import { DASHBOARD_UIDS, type DashboardKey } from "../../contract/dashboard-uids.js";

/** The shapes of a Prometheus rule file, and the one way alerts get their labels and annotations. */

export interface RecordingRule {
  record: string;
  expr: string;
  /** Labels added to every series it records (a quantile's `quantile`). */
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: {
    summary: string;
    description: string;
    runbook_url: string;
    dashboard_url: string;
  };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  /** Evaluation interval; unset, the global evaluation_interval (15 s). */
  interval?: string;
  /** How far in the past the group evaluates; unset, none. */
  query_offset?: string;
  rules: Rule[];
}

export interface RuleFile {
  /** File name under prometheus/rules/. */
  file: string;
  groups: RuleGroup[];
}

export const isAlert = (rule: Rule): rule is AlertingRule => "alert" in rule;

/**
 * What an alert's data comes through, for inhibition: while the ML API's telemetry is missing (or the
 * collector that carries it is down) the alerts computed from it are silenced, not paged.
 */
export const DEPENDS_ON = "depends_on";
export const DEPENDS = { apiTelemetry: "ml-api-telemetry", collector: "collector" } as const;

/** GitHub's anchor of a Markdown heading: lower case, spaces to dashes, punctuation dropped. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

export function runbookUrl(alertName: string): string {
  return `${ALERT_LINKS.runbookBaseUrl}#${anchor(alertName)}`;
}

export function dashboardUrl(dashboard: DashboardKey): string {
  return `${ALERT_LINKS.grafanaUrl}/d/${DASHBOARD_UIDS[dashboard]}`;
}

export interface AlertSpec {
  alert: string;
  expr: string;
  for?: string;
  severity: Severity;
  labels?: Record<string, string>;
  summary: string;
  description: string;
  dashboard: DashboardKey;
}

export function alertRule(spec: AlertSpec): AlertingRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    ...(spec.for !== undefined ? { for: spec.for } : {}),
    labels: { severity: spec.severity, ...spec.labels },
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook_url: runbookUrl(spec.alert),
      dashboard_url: dashboardUrl(spec.dashboard),
    },
  };
}

/** A number as PromQL should read it: no binary-float noise (1 - 0.999 is 0.001, not 0.0010000000000000009). */
export function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** `a, b, c` for `by (...)` and `on (...)`. */
export const list = (labels: readonly string[]) => labels.join(", ");
