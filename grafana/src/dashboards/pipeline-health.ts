import type { Dashboard, ValueMapping } from "@grafana/grafana-foundation-sdk/dashboard";
import { MappingType } from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DASHBOARD_UIDS } from "../../../contract/dashboard-uids.js";
import { ALERTMANAGER, COLLECTOR, PROMETHEUS } from "../../../contract/external-metrics.js";
import { rate, sel, sumBy } from "../../../contract/promql.js";
import { buildDashboard } from "../dashboard.js";
import { stateTimeline, timeseries } from "../panels.js";
import { recordedRate } from "../recorded.js";
import { datasourceVariable, SCOPES, sourceVariables } from "../variables.js";

/**
 * Pipeline health: whether telemetry gets from the API to the people who need it. The collector (accepted,
 * refused, exported per signal; queues; memory limiter), Prometheus (scrapes, rule evaluation, alerts sent to
 * Alertmanager) and Alertmanager (notifications sent and failed).
 */

const C = SCOPES.collector;
const SCRAPE = SCOPES.scrape;
const P = SCOPES.prometheus;
const AM = SCOPES.alertmanager;

const upMappings: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: { "0": { text: "down", color: "red", index: 0 }, "1": { text: "up", color: "green", index: 1 } },
  },
];

export function pipelineHealth(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.pipeline,
    title: "inferwatch / Pipeline health",
    description:
      "The telemetry pipeline itself: the OpenTelemetry Collector, Prometheus's scrapes and rule evaluation, and Alertmanager's notifications.",
    tags: ["pipeline"],
    variables: [
      datasourceVariable(),
      ...sourceVariables({
        scope: C,
        probe: COLLECTOR.uptime,
        label: "collector",
        description: "The job that scrapes the collector's own telemetry.",
      }),
      ...sourceVariables({
        scope: SCRAPE,
        probe: PROMETHEUS.up,
        label: "scrape job",
        description: "Scrape jobs whose health to show (default all).",
        multiJob: true,
      }),
      ...sourceVariables({
        scope: P,
        probe: PROMETHEUS.buildInfo,
        label: "Prometheus",
        description: "The job that scrapes Prometheus itself.",
      }),
      ...sourceVariables({
        scope: AM,
        probe: ALERTMANAGER.buildInfo,
        label: "Alertmanager",
        description: "The job that scrapes Alertmanager.",
      }),
    ],
    rows: [
      {
        title: "Collector",
        panels: [
          timeseries({
            title: "Accepted by the collector",
            description:
              "Spans and metric points per second that the collector's receivers accepted (OTLP from the API, host metrics, span metrics), by signal and receiver.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: sumBy(["receiver"], rate(sel(COLLECTOR.acceptedSpans, C))),
                legend: "spans {{receiver}}",
              },
              {
                expr: sumBy(["receiver"], rate(sel(COLLECTOR.acceptedMetricPoints, C))),
                legend: "metric points {{receiver}}",
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Refused by the collector",
            description:
              "Spans and metric points per second the receivers refused, by signal: the pipeline pushed back (memory limiter, full queue) and the sender had to drop or retry.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: sumBy(["receiver"], rate(sel(COLLECTOR.refusedSpans, C))),
                legend: "spans {{receiver}}",
              },
              {
                expr: sumBy(["receiver"], rate(sel(COLLECTOR.refusedMetricPoints, C))),
                legend: "metric points {{receiver}}",
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Exported by the collector",
            description:
              "Spans and metric points per second the exporters sent (Jaeger, Prometheus, span metrics), and those that failed to send after retries, by signal and exporter.",
            unit: units.OpsPerSecond,
            queries: [
              { expr: sumBy(["exporter"], rate(sel(COLLECTOR.sentSpans, C))), legend: "spans {{exporter}}" },
              {
                expr: sumBy(["exporter"], rate(sel(COLLECTOR.sentMetricPoints, C))),
                legend: "metric points {{exporter}}",
              },
              {
                expr: sumBy(["exporter"], rate(sel(COLLECTOR.sendFailedSpans, C))),
                legend: "failed spans {{exporter}}",
              },
              {
                expr: sumBy(["exporter"], rate(sel(COLLECTOR.sendFailedMetricPoints, C))),
                legend: "failed metric points {{exporter}}",
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Exporter queues",
            description:
              "Batches waiting in each exporter's sending queue, against the queue's capacity (dashed): a queue that fills drops data.",
            unit: units.Short,
            min: 0,
            dashed: "^capacity .*",
            queries: [
              {
                expr: `max by (exporter, data_type) (${sel(COLLECTOR.queueSize, C)})`,
                legend: "{{exporter}} {{data_type}}",
              },
              {
                expr: `max by (exporter, data_type) (${sel(COLLECTOR.queueCapacity, C)})`,
                legend: "capacity {{exporter}} {{data_type}}",
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Memory limiter",
            description:
              "Spans and metric points per second the memory limiter let through, and those it refused because the collector was near its memory limit.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: sumBy([], rate(sel(COLLECTOR.memoryLimiterAcceptedSpans, C))),
                legend: "accepted spans",
              },
              {
                expr: sumBy([], rate(sel(COLLECTOR.memoryLimiterAcceptedMetricPoints, C))),
                legend: "accepted metric points",
              },
              { expr: sumBy([], rate(sel(COLLECTOR.memoryLimiterRefusedSpans, C))), legend: "refused spans" },
              {
                expr: sumBy([], rate(sel(COLLECTOR.memoryLimiterRefusedMetricPoints, C))),
                legend: "refused metric points",
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Collector memory",
            description:
              "The collector's resident memory and Go heap: the memory limiter refuses data as these approach its limit (OTELCOL_MEMORY_LIMIT_MIB).",
            unit: units.BytesIEC,
            min: 0,
            queries: [
              { expr: `max by (instance) (${sel(COLLECTOR.rss, C)})`, legend: "resident {{instance}}" },
              { expr: `max by (instance) (${sel(COLLECTOR.heapAlloc, C)})`, legend: "heap {{instance}}" },
            ],
            width: 8,
          }),
        ],
      },
      {
        title: "Prometheus",
        panels: [
          stateTimeline({
            title: "Scrape health",
            description: "Whether Prometheus's last scrape of each target succeeded (up) or failed (down).",
            unit: units.NoUnit,
            mappings: upMappings,
            queries: [
              {
                expr: `max by (job, instance) (${sel(PROMETHEUS.up, SCRAPE)})`,
                legend: "{{job}} {{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Scrape duration",
            description:
              "How long each target's scrape took; near the scrape timeout, scrapes start failing.",
            unit: units.Seconds,
            min: 0,
            queries: [
              {
                expr: `max by (job, instance) (${sel(PROMETHEUS.scrapeDuration, SCRAPE)})`,
                legend: "{{job}} {{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Rule evaluations",
            description:
              "Recording and alerting rule evaluations per second by rule group, and evaluations that failed: a failing rule means a silent alert.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: sumBy(["rule_group"], rate(sel(PROMETHEUS.ruleEvaluations, P))),
                legend: "{{rule_group}}",
              },
              {
                expr: sumBy(["rule_group"], rate(sel(PROMETHEUS.ruleEvaluationFailures, P))),
                legend: "failed {{rule_group}}",
              },
            ],
          }),
          timeseries({
            title: "Rule group duration",
            description:
              "How long each rule group's last evaluation took, against its interval (dashed): a group slower than its interval skips evaluations.",
            unit: units.Seconds,
            min: 0,
            dashed: "^interval .*",
            queries: [
              {
                expr: `max by (rule_group) (${sel(PROMETHEUS.ruleGroupLastDuration, P)})`,
                legend: "{{rule_group}}",
              },
              {
                expr: `max by (rule_group) (${sel(PROMETHEUS.ruleGroupInterval, P)})`,
                legend: "interval {{rule_group}}",
              },
            ],
          }),
          timeseries({
            title: "Alerts sent to Alertmanager",
            description:
              "Alert notifications per second Prometheus sent to Alertmanager, and those that failed to send.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: sumBy(["alertmanager"], rate(sel(PROMETHEUS.notificationsSent, P))),
                legend: "sent {{alertmanager}}",
              },
              {
                expr: sumBy(["alertmanager"], rate(sel(PROMETHEUS.notificationsErrors, P))),
                legend: "failed {{alertmanager}}",
              },
            ],
            width: 24,
          }),
        ],
      },
      {
        title: "Alertmanager",
        panels: [
          timeseries({
            title: "Notifications sent and failed",
            description:
              "Notifications per second Alertmanager sent by integration (email, webhook...), and those that failed. Alertmanager counts every integration it knows, so unused ones stay at zero.",
            unit: units.OpsPerSecond,
            queries: [
              {
                expr: recordedRate("notifications", AM, ["integration"]),
                legend: "sent {{integration}}",
              },
              {
                expr: recordedRate("notificationsFailed", AM, ["integration"]),
                legend: "failed {{integration}}",
              },
            ],
          }),
          timeseries({
            title: "Alerts in Alertmanager",
            description:
              "Alerts Alertmanager holds, by state: active (notified), suppressed (silenced or inhibited), unprocessed.",
            unit: units.Short,
            min: 0,
            stacked: true,
            queries: [{ expr: sumBy(["state"], sel(ALERTMANAGER.alerts, AM)), legend: "{{state}}" }],
          }),
        ],
      },
    ],
  });
}
