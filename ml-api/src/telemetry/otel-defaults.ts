import { SERVER_NAME } from "../server-info.js";

/**
 * The standard OTEL_* variables the ML API sets when the environment does not, with why. Everything else
 * keeps the OpenTelemetry SDK's own default (OTLP over HTTP/protobuf to http://localhost:4318, every trace
 * sampled unless a parent says otherwise). docs/metrics.md's telemetry table is rendered from this object.
 */
export const OTEL_DEFAULTS = {
  OTEL_SERVICE_NAME: {
    value: SERVER_NAME,
    why: "Becomes the `job` label in Prometheus.",
  },
  OTEL_METRIC_EXPORT_INTERVAL: {
    value: "5000",
    why: "Milliseconds between metric exports; the SDK's 60 s would make dashboards a minute late.",
  },
  OTEL_BSP_SCHEDULE_DELAY: {
    value: "2000",
    why: "Milliseconds a finished span waits for its batch; the SDK's 5 s made span metrics and traces late, and a busy API fills a batch sooner anyway.",
  },
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: {
    value: "64",
    why: "Spans per export. Serialising a batch holds the event loop: the SDK's 512 held it for milliseconds and added about 2 ms to the p99 of lone requests; 64 cost no more instructions per request (`bench/instructions.ts`).",
  },
  OTEL_LOGS_EXPORTER: {
    value: "none",
    why: "Logs go to stdout as JSON lines with trace ids; the collector pipeline carries traces and metrics.",
  },
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: {
    value: "http,pino,runtime-node,host-metrics",
    why: "Only what tells something here; fs, dns and net add cost per request and no insight, and the API names its own routes for `http.route` rather than pay for Express's per-layer wrapping.",
  },
} as const;

/** Sets each default that `env` leaves unset. */
export function applyOtelDefaults(env: NodeJS.ProcessEnv): void {
  for (const [name, { value }] of Object.entries(OTEL_DEFAULTS)) {
    if (!env[name]) env[name] = value;
  }
}
