import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DASHBOARD_UIDS } from "../../../contract/dashboard-uids.js";
import { PROMETHEUS, SPAN_METRICS } from "../../../contract/external-metrics.js";
import { ATTR } from "../../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../../contract/prometheus-names.js";
import { quantile, sel } from "../../../contract/promql.js";
import type { SloName } from "../../../contract/slo-series.js";
import { buildDashboard } from "../dashboard.js";
import { EXEMPLAR_RANGE, EXEMPLAR_RANGE_TEXT, stat, table, timeseries } from "../panels.js";
import { recordedGauge, recordedQuantile, recordedRate } from "../recorded.js";
import { budgetSpent, PAGE_BURN_RATE, recorded, SLO_PERIOD, SLO_TARGETS } from "../slo.js";
import { datasourceVariable, SCOPES, serviceVariables } from "../variables.js";

/**
 * The ML API at a glance: whether it meets its SLOs and how much error budget is left, what is firing, how
 * much traffic it takes and how fast and how well it answers, by route.
 */

const S = SCOPES.service;
const HOUR = 3600;
const FIVE_MINUTES = 300;
const MODEL = promLabel(ATTR.model);
const VERSION = promLabel(ATTR.version);

/** Requests per second by `by`, from the recorded rate by route and status code. */
const requests = (by: string[], ...matchers: string[]) => recordedRate("httpRequests", S, by, ...matchers);
const serviceOnly = `group by (job) (${sel(PROM.modelState, S)})`;
/** A recording rule's series for the chosen service (recording rules keep `job`, not `instance`). */
const rule = (slo: SloName, kind: "errors" | "requests", seconds: number) =>
  `${recorded(slo, kind, seconds)}{job=~"$${S.job}"}`;

const SLO_TEXT: Record<SloName, string> = {
  availability:
    "requests not answered 5xx (readiness probes aside) and inference requests not unavailable or error",
  latency: `successful inference requests answered within ${SLO_TARGETS.latencyThresholdSeconds} s`,
};

function sloNow(slo: SloName) {
  const target = SLO_TARGETS[slo];
  return stat({
    title: `${slo === "availability" ? "Availability" : "Latency"} SLI, last hour`,
    description: `Share of ${SLO_TEXT[slo]} over the last hour, from the SLO recording rules; red below the ${target * 100}% objective.`,
    unit: units.PercentUnit,
    width: 6,
    height: 5,
    thresholds: [
      { value: null, color: "red" },
      { value: target, color: "green" },
    ],
    queries: [{ expr: `1 - max by (job) (${rule(slo, "errors", HOUR)})`, legend: "{{job}}", instant: true }],
  });
}

function budgetLeft(slo: SloName) {
  return stat({
    title: `${slo === "availability" ? "Availability" : "Latency"} error budget left (${SLO_PERIOD})`,
    description: `Share of the ${SLO_PERIOD} error budget of the ${SLO_TARGETS[slo] * 100}% ${slo} SLO not yet spent, counting ${SLO_TEXT[slo]} over the last ${SLO_PERIOD} (or as much of it as Prometheus keeps). Below zero the SLO is missed.`,
    unit: units.PercentUnit,
    width: 6,
    height: 5,
    thresholds: [
      { value: null, color: "red" },
      { value: 0, color: "orange" },
      { value: 0.25, color: "green" },
    ],
    queries: [
      {
        expr: `1 - (\n${budgetSpent(slo)}\n)\nand on (job)\n${serviceOnly}`,
        legend: "{{job}}",
        instant: true,
      },
    ],
  });
}

const latencyByRoute = (q: number) =>
  timeseries({
    title: `Request latency p${q * 100} by route`,
    description: `${q * 100}th percentile time to answer a request, by route, from the server spans (span metrics): the highest 5-minute percentile within each point's interval, from a recording rule. Traces of single requests are on the panel with exemplars below.`,
    unit: units.Seconds,
    min: 0,
    width: 8,
    queries: [{ expr: recordedQuantile("routeLatency", q, S, ["http_route"]), legend: "{{http_route}}" }],
  });

const exemplarsByRoute = () =>
  timeseries({
    title: `Request latency p99 by route, last ${EXEMPLAR_RANGE_TEXT}, with traces`,
    description: `99th percentile time to answer a request, by route, over the last ${EXEMPLAR_RANGE_TEXT} whatever the dashboard's range (exemplars are for what just happened; Prometheus keeps them for hours at most), computed from the raw span metrics. The dots are exemplars: click one to open its trace in Jaeger.`,
    unit: units.Seconds,
    min: 0,
    width: 24,
    timeFrom: EXEMPLAR_RANGE,
    queries: [
      {
        expr: quantile(0.99, SPAN_METRICS.duration, S, ["http_route"], `span_kind="SPAN_KIND_SERVER"`),
        legend: "{{http_route}}",
        exemplar: true,
      },
    ],
  });

export function overview(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.overview,
    title: "inferwatch / ML API overview",
    description:
      "The ML API at a glance: SLOs and error budget, firing alerts, request rate, error ratio and latency by route, requests in flight.",
    tags: ["overview", "slo"],
    variables: [datasourceVariable(), ...serviceVariables()],
    rows: [
      {
        title: "Service level",
        panels: [
          sloNow("availability"),
          sloNow("latency"),
          budgetLeft("availability"),
          budgetLeft("latency"),
          timeseries({
            title: "Error budget burn rate",
            description: `How fast each SLO spends its error budget, over 5 minutes and 1 hour: 1 spends exactly the budget in ${SLO_PERIOD}; the dashed line at ${PAGE_BURN_RATE} is where the fast-burn alert pages (when both its windows are above it).`,
            unit: units.Short,
            min: 0,
            showThresholds: true,
            thresholds: [
              { value: null, color: "green" },
              { value: PAGE_BURN_RATE, color: "red" },
            ],
            queries: (["availability", "latency"] as const).flatMap((slo) =>
              [FIVE_MINUTES, HOUR].map((seconds) => ({
                expr: `max by (job) (${rule(slo, "errors", seconds)}) / ${Number((1 - SLO_TARGETS[slo]).toPrecision(12))}`,
                legend: `${slo} ${seconds === HOUR ? "1h" : "5m"}`,
              })),
            ),
          }),
          table({
            title: "Firing alerts",
            description:
              "Alerts Prometheus's rules fire now, from every part of the stack (service, models, pipeline), with their severity. The Watchdog always fires: its absence means the alerting chain is broken.",
            unit: units.NoUnit,
            queries: [
              {
                expr: `sum by (alertname, severity) (${PROMETHEUS.alerts}{alertstate="firing"})`,
                instant: true,
                table: true,
              },
            ],
          }),
        ],
      },
      {
        title: "Traffic and errors",
        panels: [
          timeseries({
            title: "Request rate by route",
            description:
              "Requests per second by route template; requests that match no route (unknown paths) have no route.",
            unit: units.RequestsPerSecond,
            min: 0,
            queries: [{ expr: requests(["http_route"]), legend: "{{http_route}}" }],
          }),
          timeseries({
            title: "Responses by status code",
            description: "Responses per second by HTTP status code, stacked.",
            unit: units.RequestsPerSecond,
            min: 0,
            stacked: true,
            queries: [
              {
                expr: requests(["http_response_status_code"]),
                legend: "{{http_response_status_code}}",
              },
            ],
          }),
          timeseries({
            title: "Error ratio by route",
            description:
              "Share of each route's requests answered 5xx (the service failed) and 4xx (the client sent something wrong: invalid input, unknown model).",
            unit: units.PercentUnit,
            min: 0,
            queries: (["5", "4"] as const).map((digit) => ({
              expr: `(\n  ${requests(["http_route"], `http_response_status_code=~"${digit}.."`)}\n  or\n  ${requests(["http_route"])} * 0\n)\n/\n${requests(["http_route"])}`,
              legend: `${digit}xx {{http_route}}`,
            })),
          }),
          timeseries({
            title: "Inference requests in flight",
            description:
              "Inference requests being answered right now, by model version: sampled at each export, so short requests under light load often read 0.",
            unit: units.Short,
            min: 0,
            queries: [
              {
                expr: recordedGauge("active", "sum", S, [MODEL, VERSION]),
                legend: `{{${MODEL}}} v{{${VERSION}}}`,
              },
            ],
          }),
        ],
      },
      {
        title: "Latency",
        panels: [latencyByRoute(0.5), latencyByRoute(0.95), latencyByRoute(0.99), exemplarsByRoute()],
      },
    ],
  });
}
