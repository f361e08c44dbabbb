import { join } from "node:path";
import type { AlertmanagerRenderOptions } from "../alertmanager/config-render.js";
import { binary, CONFIGS } from "./layout.js";
import { address, HOST, type Ports } from "./ports.js";

/**
 * The processes of the native stack, each run with the repository's own config file and told its addresses
 * through the environment variables that config reads (Prometheus and Alertmanager, which read none, run
 * copies rendered into the run folder).
 */

/**
 * Intervals that decide how soon a request shows in Prometheus. Unset means the committed default, chosen
 * for users: API export 5 s, collector batch 1 s, span metrics flush 15 s, host metrics 15 s, scrape 15 s.
 * The end-to-end tests shorten all of them.
 */
export interface Tuning {
  /** The API's OTEL_METRIC_EXPORT_INTERVAL. */
  metricExportIntervalMs?: number;
  /** The API's OTEL_BSP_SCHEDULE_DELAY: how long finished spans wait before export. */
  spanExportDelayMs?: number;
  batchTimeout?: string;
  spanMetricsFlushInterval?: string;
  hostMetricsInterval?: string;
  scrapeInterval?: string;
}

/** What the API runs from: the build (`npm run build`) or the TypeScript sources through tsx. */
export type ApiSource = "dist" | "source";

export interface StackSettings {
  ports: Ports;
  /** Logs, the rendered Prometheus config and Prometheus's data go here. */
  runDir: string;
  api: ApiSource;
  tuning: Tuning;
  /** Prometheus `--storage.tsdb.retention.time`. */
  retention: string;
  /** Extra environment for the API (e.g. DRIFT_MIN_SAMPLES). */
  apiEnv: Record<string, string>;
  /**
   * Changes to the rendered Alertmanager config (see alertmanager/config-render.ts); unset, it reads its
   * secrets from alertmanager/secrets/ and keeps the committed SMTP relay and timers.
   */
  alertmanager?: Partial<Omit<AlertmanagerRenderOptions, "configDir">>;
  /** Folder whose `rules/*.yml` Prometheus loads instead of prometheus/rules/ (tests load sped-up copies). */
  prometheusRulesBase?: string;
}

export interface Component {
  name: string;
  command: string;
  args: string[];
  /** Added to the stack's own environment. */
  env: Record<string, string>;
  /** Answers 200 once the component is ready. */
  readyUrl: string;
}

const setIf = (env: Record<string, string>, key: string, value: string | number | undefined) => {
  if (value !== undefined) env[key] = String(value);
};

/** Variables otel-collector/config.yaml reads, as the stack sets them. */
export function collectorEnv(ports: Ports, tuning: Tuning = {}): Record<string, string> {
  const env: Record<string, string> = {
    OTELCOL_OTLP_GRPC_ENDPOINT: address(ports.otlpGrpc),
    OTELCOL_OTLP_HTTP_ENDPOINT: address(ports.otlpHttp),
    OTELCOL_PROMETHEUS_ENDPOINT: address(ports.collectorExporter),
    OTELCOL_TELEMETRY_HOST: HOST,
    OTELCOL_TELEMETRY_PORT: String(ports.collectorTelemetry),
    OTELCOL_HEALTH_ENDPOINT: address(ports.collectorHealth),
    JAEGER_OTLP_GRPC_ENDPOINT: address(ports.jaegerOtlpGrpc),
  };
  setIf(env, "OTELCOL_BATCH_TIMEOUT", tuning.batchTimeout);
  setIf(env, "OTELCOL_SPANMETRICS_FLUSH_INTERVAL", tuning.spanMetricsFlushInterval);
  setIf(env, "OTELCOL_HOSTMETRICS_INTERVAL", tuning.hostMetricsInterval);
  return env;
}

/** Variables jaeger/config.yaml reads, as the stack sets them. */
export function jaegerEnv(ports: Ports): Record<string, string> {
  return {
    JAEGER_OTLP_GRPC_ENDPOINT: address(ports.jaegerOtlpGrpc),
    JAEGER_OTLP_HTTP_ENDPOINT: address(ports.jaegerOtlpHttp),
    JAEGER_QUERY_HTTP_ENDPOINT: address(ports.jaegerQueryHttp),
    JAEGER_QUERY_GRPC_ENDPOINT: address(ports.jaegerQueryGrpc),
    JAEGER_HEALTH_ENDPOINT: address(ports.jaegerHealth),
    JAEGER_TELEMETRY_HOST: HOST,
    JAEGER_TELEMETRY_PORT: String(ports.jaegerTelemetry),
  };
}

/** The ML API's settings (ml-api/src/config.ts) and OTEL_* variables, as the stack sets them. */
export function apiEnv(settings: StackSettings): Record<string, string> {
  const { ports, tuning } = settings;
  const env: Record<string, string> = {
    PORT: String(ports.api),
    HOST,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${address(ports.otlpHttp)}`,
  };
  setIf(env, "OTEL_METRIC_EXPORT_INTERVAL", tuning.metricExportIntervalMs);
  setIf(env, "OTEL_BSP_SCHEDULE_DELAY", tuning.spanExportDelayMs);
  return { ...env, ...settings.apiEnv };
}

export const PROMETHEUS_CONFIG_NAME = "prometheus.yml";
export const ALERTMANAGER_CONFIG_NAME = "alertmanager.yml";

export function jaeger(settings: StackSettings): Component {
  return {
    name: "jaeger",
    command: binary("jaeger"),
    args: ["--config", CONFIGS.jaeger],
    env: jaegerEnv(settings.ports),
    readyUrl: `http://${address(settings.ports.jaegerHealth)}/status`,
  };
}

export function collector(settings: StackSettings): Component {
  return {
    name: "otelcol",
    command: binary("otelcol"),
    args: ["--config", CONFIGS.collector],
    env: collectorEnv(settings.ports, settings.tuning),
    readyUrl: `http://${address(settings.ports.collectorHealth)}/`,
  };
}

/** Runs the copy of prometheus/prometheus.yml rendered into the run folder (see prometheus-config.ts). */
export function prometheus(settings: StackSettings): Component {
  return {
    name: "prometheus",
    command: binary("prometheus"),
    args: [
      `--config.file=${join(settings.runDir, PROMETHEUS_CONFIG_NAME)}`,
      `--storage.tsdb.path=${join(settings.runDir, "prometheus-data")}`,
      `--storage.tsdb.retention.time=${settings.retention}`,
      `--web.listen-address=${address(settings.ports.prometheus)}`,
      "--enable-feature=exemplar-storage",
    ],
    env: {},
    readyUrl: `http://${address(settings.ports.prometheus)}/-/ready`,
  };
}

/** Runs the copy of alertmanager/alertmanager.yml rendered into the run folder, as a single instance. */
export function alertmanager(settings: StackSettings): Component {
  const url = `http://${address(settings.ports.alertmanager)}`;
  return {
    name: "alertmanager",
    command: binary("alertmanager"),
    args: [
      `--config.file=${join(settings.runDir, ALERTMANAGER_CONFIG_NAME)}`,
      `--storage.path=${join(settings.runDir, "alertmanager-data")}`,
      `--web.listen-address=${address(settings.ports.alertmanager)}`,
      // Links in notifications (silences, alert list) point here.
      `--web.external-url=${url}`,
      // No cluster: otherwise it gossips on port 9094 of every interface.
      "--cluster.listen-address=",
    ],
    env: {},
    readyUrl: `${url}/-/ready`,
  };
}

export function api(settings: StackSettings): Component {
  const args =
    settings.api === "dist"
      ? ["--import", "./ml-api/dist/telemetry/register.js", "ml-api/dist/main.js"]
      : ["--import", "tsx", "--import", "./ml-api/src/telemetry/register.ts", "ml-api/src/main.ts"];
  return {
    name: "ml-api",
    command: process.execPath,
    args,
    env: apiEnv(settings),
    readyUrl: `http://${address(settings.ports.api)}/readyz`,
  };
}

/** Where things are, for people. */
export function urls(ports: Ports): Record<string, string> {
  return {
    "ML API": `http://${address(ports.api)}`,
    Prometheus: `http://${address(ports.prometheus)}`,
    Alertmanager: `http://${address(ports.alertmanager)}`,
    "Jaeger API": `http://${address(ports.jaegerQueryHttp)}/api/services`,
    "collector metrics": `http://${address(ports.collectorExporter)}/metrics`,
    "OTLP (HTTP)": `http://${address(ports.otlpHttp)}`,
  };
}
