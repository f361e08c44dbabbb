/**
 * Prometheus names of the metrics the dashboards read that the ML API's catalogue does not define: the
 * OpenTelemetry HTTP, runtime and process instrumentations, the collector's span metrics, host metrics and
 * own telemetry, and Prometheus's and Alertmanager's own metrics. Catalogue metrics come from PROM
 * (ml-api/src/telemetry/prometheus-names.ts) instead. The end-to-end panel test proves each name here exists in
 * a live Prometheus, since every query must return a series.
 */

/** `http.server.request.duration` of the stable HTTP semantic conventions. */
export const HTTP = {
  duration: "http_server_request_duration_seconds",
} as const;

/** The collector's span metrics connector (RED metrics from spans; exemplars carry trace ids). */
export const SPAN_METRICS = {
  calls: "traces_span_metrics_calls_total",
  duration: "traces_span_metrics_duration_seconds",
} as const;

/** The SDK's `runtime-node` and `host-metrics` instrumentations, as the collector exports them. */
export const RUNTIME = {
  eventLoopDelayP50: "nodejs_eventloop_delay_p50_seconds",
  eventLoopDelayP90: "nodejs_eventloop_delay_p90_seconds",
  eventLoopDelayP99: "nodejs_eventloop_delay_p99_seconds",
  eventLoopDelayMax: "nodejs_eventloop_delay_max_seconds",
  eventLoopUtilization: "nodejs_eventloop_utilization_ratio",
  gcDuration: "v8js_gc_duration_seconds",
  heapUsed: "v8js_memory_heap_used_bytes",
  heapSize: "v8js_memory_heap_space_size_bytes",
  processCpu: "process_cpu_time_seconds_total",
  /** `process.memory.usage` (resident set size); its unit is not turned into a suffix by the exporter. */
  processMemory: "process_memory_usage",
} as const;

/** The collector's host_metrics receiver. */
export const HOST = {
  cpuTime: "system_cpu_time_seconds_total",
  load1m: "system_cpu_load_average_1m",
  memoryUsage: "system_memory_usage_bytes",
  networkIo: "system_network_io_bytes_total",
  networkErrors: "system_network_errors_total",
  networkDropped: "system_network_dropped_total",
  filesystemUsage: "system_filesystem_usage_bytes",
  diskIo: "system_disk_io_bytes_total",
} as const;

/** The collector's own telemetry (job otel-collector-internal). */
export const COLLECTOR = {
  uptime: "otelcol_process_uptime_seconds_total",
  acceptedSpans: "otelcol_receiver_accepted_spans_total",
  acceptedMetricPoints: "otelcol_receiver_accepted_metric_points_total",
  refusedSpans: "otelcol_receiver_refused_spans_total",
  refusedMetricPoints: "otelcol_receiver_refused_metric_points_total",
  sentSpans: "otelcol_exporter_sent_spans_total",
  sentMetricPoints: "otelcol_exporter_sent_metric_points_total",
  sendFailedSpans: "otelcol_exporter_send_failed_spans_total",
  sendFailedMetricPoints: "otelcol_exporter_send_failed_metric_points_total",
  queueSize: "otelcol_exporter_queue_size",
  queueCapacity: "otelcol_exporter_queue_capacity",
  memoryLimiterAcceptedSpans: "otelcol_processor_memory_limiter_accepted_spans_total",
  memoryLimiterRefusedSpans: "otelcol_processor_memory_limiter_refused_spans_total",
  memoryLimiterAcceptedMetricPoints: "otelcol_processor_memory_limiter_accepted_metric_points_total",
  memoryLimiterRefusedMetricPoints: "otelcol_processor_memory_limiter_refused_metric_points_total",
  rss: "otelcol_process_memory_rss_bytes",
  heapAlloc: "otelcol_process_runtime_heap_alloc_bytes",
} as const;

/** Prometheus's own metrics. */
export const PROMETHEUS = {
  up: "up",
  buildInfo: "prometheus_build_info",
  scrapeDuration: "scrape_duration_seconds",
  scrapeSamples: "scrape_samples_scraped",
  ruleEvaluations: "prometheus_rule_evaluations_total",
  ruleEvaluationFailures: "prometheus_rule_evaluation_failures_total",
  ruleGroupLastDuration: "prometheus_rule_group_last_duration_seconds",
  ruleGroupInterval: "prometheus_rule_group_interval_seconds",
  notificationsSent: "prometheus_notifications_sent_total",
  notificationsErrors: "prometheus_notifications_errors_total",
  alerts: "ALERTS",
} as const;

/** Alertmanager's own metrics. */
export const ALERTMANAGER = {
  buildInfo: "alertmanager_build_info",
  alerts: "alertmanager_alerts",
  notifications: "alertmanager_notifications_total",
  notificationsFailed: "alertmanager_notifications_failed_total",
} as const;
