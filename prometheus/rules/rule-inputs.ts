import { HTTP, RUNTIME, SPAN_METRICS } from "../../contract/external-metrics.js";

/**
 * Metrics the rules read that the ML API's catalogue does not define: the HTTP server metrics of the
 * OpenTelemetry semantic conventions, the API's runtime metrics, and the self-metrics of the collector,
 * Prometheus and Alertmanager. Names as the pinned versions expose them (the collector's counters carry
 * `_total`: see otel-collector/config.yaml); a test proves every metric a rule reads is here or in PROM.
 */
export const EXTERNAL = {
  httpDuration: HTTP.duration,
  /** The collector's span metrics (dashboards' latency by route). */
  spanDuration: SPAN_METRICS.duration,
  /** From the API's host-metrics instrumentation; grows while the process lives and exports. */
  processCpu: RUNTIME.processCpu,
  processMemory: RUNTIME.processMemory,
  heapSize: RUNTIME.heapSize,
  heapUsed: RUNTIME.heapUsed,
  gcDuration: RUNTIME.gcDuration,
  eventLoopDelay: [
    RUNTIME.eventLoopDelayP50,
    RUNTIME.eventLoopDelayP90,
    RUNTIME.eventLoopDelayP99,
    RUNTIME.eventLoopDelayMax,
  ],
  eventLoopUtilization: RUNTIME.eventLoopUtilization,

  up: "up",
  collectorRefused: [
    "otelcol_receiver_refused_spans_total",
    "otelcol_receiver_refused_metric_points_total",
    "otelcol_receiver_refused_log_records_total",
  ],
  collectorSendFailed: [
    "otelcol_exporter_send_failed_spans_total",
    "otelcol_exporter_send_failed_metric_points_total",
    "otelcol_exporter_send_failed_log_records_total",
  ],
  ruleFailures: "prometheus_rule_evaluation_failures_total",
  alertmanagersDiscovered: "prometheus_notifications_alertmanagers_discovered",
  notificationErrors: "prometheus_notifications_errors_total",
  notificationsFailed: "alertmanager_notifications_failed_total",
  notifications: "alertmanager_notifications_total",
} as const;

/** Every name in EXTERNAL, flat. */
export const EXTERNAL_NAMES: ReadonlySet<string> = new Set(Object.values(EXTERNAL).flat());

/** Scrape jobs of prometheus/prometheus.yml the rules name. */
export const JOBS = {
  collector: "otel-collector",
  collectorInternal: "otel-collector-internal",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
} as const;

/**
 * HTTP routes that answer 503 by design while a model is not ready (readiness probes): they say nothing
 * about the service failing its users, so the availability SLI leaves them out.
 */
export const PROBE_ROUTES = [
  "/readyz",
  "/v2/health/ready",
  "/v2/models/:name/ready",
  "/v2/models/:name/versions/:version/ready",
] as const;
