import { PIPELINE } from "../../contract/alerting-config.js";
import type { Timescale } from "../../contract/duration.js";
import { PROM } from "../../contract/prometheus-names.js";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import { EXTERNAL, JOBS } from "./rule-inputs.js";
import { alertRule, DEPENDS, DEPENDS_ON, type RuleGroup } from "./rule-model.js";

/**
 * Alerts about the pipeline that carries telemetry to people: the collector, the ML API's exports,
 * Prometheus's rules and its link to Alertmanager, Alertmanager's notifications, and a Watchdog that always
 * fires so that its silence (at the heartbeat receiver) says the whole chain is broken.
 */

/** The ML API's `job`: its OTEL_SERVICE_NAME, as the API sets it by default. */
export const API_JOB = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;

/**
 * Fires when any of `counters` grows, by `by`. One sum per counter joined with `or`: a single rate over
 * `{__name__=~"a|b"}` fails, because rate drops the names and leaves two series with one label set.
 */
const anyGrowing = (counters: readonly string[], by: string, window: string) =>
  counters.map((name) => `sum by (${by}) (rate(${name}[${window}])) > 0`).join("\nor\n");

export function pipelineGroups(scale: Timescale): RuleGroup[] {
  const d = (seconds: number) => scale.d(seconds);
  const collectorWindow = d(PIPELINE.collectorErrorWindow);
  const telemetryWindow = d(PIPELINE.telemetryWindow);
  return [
    {
      name: "inferwatch-pipeline-alerts",
      rules: [
        alertRule({
          alert: "CollectorDown",
          expr: `${EXTERNAL.up}{job="${JOBS.collector}"} == 0`,
          for: d(PIPELINE.collectorDownFor),
          severity: "critical",
          summary: "The OpenTelemetry Collector cannot be scraped",
          description:
            "Prometheus cannot scrape the collector's exporter at {{ $labels.instance }}: no application " +
            "metrics reach Prometheus, and every alert computed from them is blind until it is back.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "CollectorScrapeMissing",
          expr: `absent(${EXTERNAL.up}{job="${JOBS.collector}"})\nor\nabsent(${EXTERNAL.up}{job="${JOBS.collectorInternal}"})`,
          for: d(PIPELINE.scrapeMissingFor),
          severity: "warning",
          summary: "Prometheus has no scrape target for the collector (job {{ $labels.job }})",
          description:
            "Prometheus has no target for job {{ $labels.job }}: its configuration does not scrape the " +
            "collector, so the collector being down would go unnoticed.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "CollectorRefusingData",
          expr: anyGrowing(EXTERNAL.collectorRefused, "job, instance, receiver", collectorWindow),
          for: d(PIPELINE.collectorErrorFor),
          severity: "warning",
          labels: { [DEPENDS_ON]: DEPENDS.collector },
          summary: "The collector refuses telemetry on receiver {{ $labels.receiver }}",
          description:
            "The collector at {{ $labels.instance }} refuses {{ $value | humanize }} items/s on receiver " +
            "{{ $labels.receiver }} (memory limiter or a full pipeline): senders drop that telemetry.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "CollectorExportFailing",
          expr: anyGrowing(EXTERNAL.collectorSendFailed, "job, instance, exporter", collectorWindow),
          for: d(PIPELINE.collectorErrorFor),
          severity: "warning",
          labels: { [DEPENDS_ON]: DEPENDS.collector },
          summary: "The collector fails to export through {{ $labels.exporter }}",
          description:
            "The collector at {{ $labels.instance }} fails to send {{ $value | humanize }} items/s through " +
            "exporter {{ $labels.exporter }}: that telemetry is lost after the retries.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "MLApiTelemetryMissing",
          expr: [
            `absent(${PROM.modelState}{job="${API_JOB}"})`,
            `or`,
            `sum by (job) (rate(${EXTERNAL.processCpu}{job="${API_JOB}"}[${telemetryWindow}])) == 0`,
          ].join("\n"),
          for: d(PIPELINE.telemetryMissingFor),
          severity: "critical",
          labels: { [DEPENDS_ON]: DEPENDS.collector },
          summary: "No telemetry from the ML API ({{ $labels.job }})",
          description:
            `Prometheus has received no fresh metrics from {{ $labels.job }} for ${telemetryWindow}: the API ` +
            "is down, cannot reach the collector, or does not export. Model and SLO alerts are blind meanwhile.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "PrometheusRuleEvaluationFailures",
          expr: `sum by (job, instance, rule_group) (increase(${EXTERNAL.ruleFailures}[${d(PIPELINE.ruleFailureWindow)}])) > 0`,
          severity: "critical",
          summary: "Prometheus fails to evaluate rules of group {{ $labels.rule_group }}",
          description:
            "{{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} failed on " +
            `{{ $labels.instance }} in the last ${d(PIPELINE.ruleFailureWindow)}: its alerts may not fire when they should.`,
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "PrometheusNotConnectedToAlertmanager",
          expr: [
            `max by (job, instance) (${EXTERNAL.alertmanagersDiscovered}) < 1`,
            `or`,
            // min over the alertmanager label: every Alertmanager of a cluster fails, not just one.
            `min by (job, instance) (rate(${EXTERNAL.notificationErrors}[${d(PIPELINE.alertmanagerWindow)}])) > 0`,
          ].join("\n"),
          for: d(PIPELINE.notConnectedFor),
          severity: "critical",
          summary: "Prometheus {{ $labels.instance }} cannot hand alerts to Alertmanager",
          description:
            "Prometheus {{ $labels.instance }} has no Alertmanager to send to, or its sends to every one fail: " +
            "alerts fire in Prometheus but reach nobody. This one arrives only if another path still works; " +
            "the missing Watchdog heartbeat is the reliable sign.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "PrometheusAlertmanagerSendErrors",
          expr: `sum by (job, instance, alertmanager) (rate(${EXTERNAL.notificationErrors}[${d(PIPELINE.alertmanagerWindow)}])) > 0`,
          for: d(PIPELINE.notConnectedFor),
          severity: "warning",
          summary: "Prometheus {{ $labels.instance }} fails to send alerts to {{ $labels.alertmanager }}",
          description:
            "Prometheus {{ $labels.instance }} fails to send alerts to the Alertmanager at " +
            "{{ $labels.alertmanager }}. The other nodes of a cluster still deliver, with one fewer left to " +
            "lose; a single Alertmanager failing also pages PrometheusNotConnectedToAlertmanager.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "AlertmanagerNotificationsFailing",
          expr: `sum by (job, instance, integration) (rate(${EXTERNAL.notificationsFailed}[${d(PIPELINE.notificationsFailedWindow)}])) > 0`,
          for: d(PIPELINE.notificationsFailingFor),
          severity: "warning",
          summary: "Alertmanager fails to send {{ $labels.integration }} notifications",
          description:
            "Alertmanager {{ $labels.instance }} fails {{ $value | humanize }} {{ $labels.integration }} " +
            "notifications/s: people on that channel are not being told about alerts.",
          dashboard: "pipeline",
        }),
        alertRule({
          alert: "Watchdog",
          expr: "vector(1)",
          severity: "info",
          summary: "Alerting works: this alert always fires",
          description:
            "Always firing, routed to the heartbeat receiver. When the heartbeat stops, something between " +
            "Prometheus and the notification channels is broken.",
          dashboard: "pipeline",
        }),
      ],
    },
  ];
}
