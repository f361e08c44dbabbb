import {
  HTTP,
  OTLP_HANDLER,
  PROMETHEUS,
  RPC,
  RUNTIME,
  SPAN_METRICS,
} from "../../contract/external-metrics.js";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { rpcMethod } from "../../contract/rpc-names.js";

export { OTLP_HANDLER };

/**
 * Metrics the rules read that the ML API's catalogue does not define: the HTTP server metrics of the
 * OpenTelemetry semantic conventions, the API's runtime metrics, and the self-metrics of the collector,
 * Prometheus and Alertmanager. Names as the pinned versions expose them (the collector's counters carry
 * `_total`: see otel-collector/config.yaml; Prometheus's OTLP receiver names the pushed ones as
 * prometheus/prometheus.yml's otlp section says); a test proves every metric a rule reads is here or in PROM.
 */
export const EXTERNAL = {
  httpDuration: HTTP.duration,
  rpcDuration: RPC.duration,
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
  /** Prometheus's HTTP handlers, its OTLP receiver among them (OTLP_HANDLER), by handler and status code. */
  httpRequests: PROMETHEUS.httpRequests,
  alertmanagersDiscovered: "prometheus_notifications_alertmanagers_discovered",
  notificationErrors: "prometheus_notifications_errors_total",
  notificationsFailed: "alertmanager_notifications_failed_total",
  notifications: "alertmanager_notifications_total",
} as const;

/** Every name in EXTERNAL, flat. */
export const EXTERNAL_NAMES: ReadonlySet<string> = new Set(Object.values(EXTERNAL).flat());

/** Scrape jobs of prometheus/prometheus.yml the rules name. */
export const JOBS = {
  /** The collector's own metrics; host metrics are pushed under the same job (otel-collector/config.yaml). */
  collector: "otel-collector",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
} as const;

/**
 * HTTP routes that answer 503 by design while a model is not ready (readiness probes): they say nothing
 * about the service failing its users, so the availability SLI leaves them out.
 */
export const PROBE_ROUTES = [
  HTTP_ROUTES.readyz,
  HTTP_ROUTES.v2Ready,
  HTTP_ROUTES.v2ModelReady,
  HTTP_ROUTES.v2VersionReady,
].map((r) => r.template);

/** The gRPC methods that answer for readiness (never with an error status, but probes all the same). */
export const PROBE_RPC_METHODS = [rpcMethod("ServerReady"), rpcMethod("ModelReady")] as const;
