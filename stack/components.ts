import { join } from "node:path";
import type { AlertmanagerRenderOptions } from "../alertmanager/config-render.js";
import { apiSecretFiles } from "./api-secrets.js";
import { API_DIST, binary, CONFIGS } from "./layout.js";
import { address, HOST, PORT_SPECS, type PortName, type Ports } from "./ports.js";

/**
 * The processes of the native stack, each run with the repository's own config file and told its addresses
 * through the environment variables that config reads (Prometheus and Alertmanager, which read none, run
 * copies rendered into the run folder).
 */

/**
 * Intervals that decide how soon a request shows in Prometheus. Unset means the committed default, chosen
 * for users: API metric export 5 s, span export 2 s, collector batch 1 s, span metrics flush 2 s, host metrics
 * 15 s; the collector pushes to Prometheus as soon as a batch is full or its timeout passes (scrapes of the
 * components' own metrics every 15 s).
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
  /** Where the API's control token and prediction id key are kept (stack/api-secrets.ts); unset, in runDir. */
  apiSecretsDir?: string;
  /**
   * Changes to the rendered Alertmanager config (see alertmanager/config-render.ts); unset, it reads its
   * secrets from alertmanager/secrets/, mails the stack's Mailpit (alertmanagerDelivery) and keeps the
   * committed timers.
   */
  alertmanager?: Partial<Omit<AlertmanagerRenderOptions, "configDir">>;
  /** Folder whose `rules/*.yml` Prometheus loads instead of prometheus/rules/ (tests load sped-up copies). */
  prometheusRulesBase?: string;
  /**
   * Alertmanagers to run: 1 (unset) with clustering off, or 2 gossiping on loopback as one cluster, which
   * Prometheus sends every alert to and scrapes, node by node (see ALERTMANAGER_NODES).
   */
  alertmanagerNodes?: 1 | 2;
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

/**
 * Where the collector pushes metrics: Prometheus's OTLP receiver, under the base URL of the Prometheus at
 * `prometheusUrl`. The collector's OTLP HTTP exporter appends /v1/metrics.
 */
export const prometheusOtlpEndpoint = (prometheusUrl: string) => `${prometheusUrl}/api/v1/otlp`;

/** Variables otel-collector/config.yaml reads, as the stack sets them. */
export function collectorEnv(ports: Ports, tuning: Tuning = {}): Record<string, string> {
  const env: Record<string, string> = {
    OTELCOL_OTLP_GRPC_ENDPOINT: address(ports.otlpGrpc),
    OTELCOL_OTLP_HTTP_ENDPOINT: address(ports.otlpHttp),
    OTELCOL_TELEMETRY_HOST: HOST,
    OTELCOL_TELEMETRY_PORT: String(ports.collectorTelemetry),
    OTELCOL_HEALTH_ENDPOINT: address(ports.collectorHealth),
    JAEGER_OTLP_GRPC_ENDPOINT: address(ports.jaegerOtlpGrpc),
    PROMETHEUS_OTLP_ENDPOINT: prometheusOtlpEndpoint(`http://${address(ports.prometheus)}`),
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

/** Where the stack keeps the API's secrets. */
export function apiSecretsDir(settings: StackSettings): string {
  return settings.apiSecretsDir ?? join(settings.runDir, "secrets");
}

/** The ML API's settings (ml-api/src/config.ts) and OTEL_* variables, as the stack sets them. */
export function apiEnv(settings: StackSettings): Record<string, string> {
  const { ports, tuning } = settings;
  const secrets = apiSecretFiles(apiSecretsDir(settings));
  const env: Record<string, string> = {
    PORT: String(ports.api),
    GRPC_PORT: String(ports.apiGrpc),
    HOST,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${address(ports.otlpHttp)}`,
    INFERWATCH_CONTROL_TOKEN_FILE: secrets.controlToken,
    PREDICTION_ID_KEY_FILE: secrets.predictionIdKey,
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
      // The collector pushes application metrics here instead of being scraped.
      "--web.enable-otlp-receiver",
      // exemplar-storage keeps the span metrics' exemplars. created-timestamp-zero-ingestion writes a zero at
      // each pushed series' start time: without it the increments before a counter's first push are invisible
      // to increase() and rate(), and labels sent in one burst never show as accuracy.
      "--enable-feature=exemplar-storage,created-timestamp-zero-ingestion",
    ],
    env: {},
    readyUrl: `http://${address(settings.ports.prometheus)}/-/ready`,
  };
}

/**
 * The Alertmanagers of a clustered stack, in the order their fixed peer names sort: the cluster has the node
 * at position 0 send a group's notification at once and the next wait `--cluster.peer-timeout` before it
 * checks the gossiped notification log and sends only what is still missing there. The first node alone is
 * the unclustered stack's Alertmanager, under the same name and port as before clustering existed.
 */
export const ALERTMANAGER_NODES = [
  { name: "alertmanager", web: "alertmanager", cluster: "alertmanagerCluster" },
  { name: "alertmanager-peer", web: "alertmanagerPeer", cluster: "alertmanagerPeerCluster" },
] as const satisfies readonly { name: string; web: PortName; cluster: PortName }[];

/**
 * Alertmanager's own default, written out because the delivery tests derive from it how long a duplicate
 * could take to arrive: the second node sends what the first has not logged this long after the first would.
 */
export const ALERTMANAGER_PEER_TIMEOUT_S = 15;

const alertmanagerNodes = (settings: StackSettings) =>
  ALERTMANAGER_NODES.slice(0, settings.alertmanagerNodes ?? 1);

/** The web ports of the Alertmanagers the stack runs: Prometheus sends alerts to each, and scrapes each. */
export function alertmanagerWebPorts(settings: StackSettings): PortName[] {
  return alertmanagerNodes(settings).map((node) => node.web);
}

/** Every port the stack listens on: an Alertmanager's gossip port only when Alertmanager runs as a cluster. */
export function stackPortNames(settings: StackSettings): PortName[] {
  const running = alertmanagerNodes(settings);
  const clustered = running.length > 1;
  const unused = new Set<PortName>(
    ALERTMANAGER_NODES.flatMap((node) =>
      !running.includes(node) ? [node.web, node.cluster] : clustered ? [] : [node.cluster],
    ),
  );
  return (Object.keys(PORT_SPECS) as PortName[]).filter((name) => !unused.has(name));
}

/**
 * Runs the copy of alertmanager/alertmanager.yml rendered into the run folder, as node `node` of the
 * stack's Alertmanagers (the first by default). A single Alertmanager runs with clustering off: otherwise it
 * gossips on port 9094 of every interface.
 */
export function alertmanager(settings: StackSettings, node = 0): Component {
  const nodes = alertmanagerNodes(settings);
  const self = nodes[node];
  if (!self) throw new RangeError(`Alertmanager node ${node}: the stack runs ${nodes.length}`);
  const { ports } = settings;
  const url = `http://${address(ports[self.web])}`;
  const cluster =
    nodes.length === 1
      ? ["--cluster.listen-address="]
      : [
          `--cluster.listen-address=${address(ports[self.cluster])}`,
          // Said outright: memberlist would otherwise look for a private (RFC 1918) address to advertise,
          // and the peers must reach each other on loopback.
          `--cluster.advertise-address=${address(ports[self.cluster])}`,
          ...nodes.filter((n) => n !== self).map((n) => `--cluster.peer=${address(ports[n.cluster])}`),
          // Fixed names fix the positions (they sort by name), and name the peers in logs and the status page.
          `--cluster.peer-name=${self.name}`,
          `--cluster.peer-timeout=${ALERTMANAGER_PEER_TIMEOUT_S}s`,
        ];
  return {
    name: self.name,
    command: binary("alertmanager"),
    args: [
      `--config.file=${join(settings.runDir, ALERTMANAGER_CONFIG_NAME)}`,
      `--storage.path=${join(settings.runDir, `${self.name}-data`)}`,
      `--web.listen-address=${address(ports[self.web])}`,
      // Links in notifications (silences, alert list) point here.
      `--web.external-url=${url}`,
      ...cluster,
    ],
    env: {},
    readyUrl: `${url}/-/ready`,
  };
}

/** Every Alertmanager the stack runs. */
export function alertmanagers(settings: StackSettings): Component[] {
  return alertmanagerNodes(settings).map((_node, i) => alertmanager(settings, i));
}

/**
 * Mailpit, the stack's inbox for alert email: it takes any mail on its SMTP port (no TLS, no login, on
 * loopback) and keeps it in the run folder, so mail survives a restart of the stack.
 */
export function mailpit(settings: StackSettings): Component {
  const { ports } = settings;
  return {
    name: "mailpit",
    command: binary("mailpit"),
    args: [
      `--smtp=${address(ports.mailpitSmtp)}`,
      `--listen=${address(ports.mailpit)}`,
      `--database=${join(settings.runDir, "mailpit.db")}`,
      // Both would reach out of this machine: the web UI's check for a newer release, and reverse DNS of
      // each sender.
      "--disable-version-check",
      "--smtp-disable-rdns",
    ],
    env: {},
    readyUrl: `http://${address(ports.mailpit)}/readyz`,
  };
}

/**
 * How the stack's Alertmanager sends email: to Mailpit, in plain SMTP, since it is on loopback and offers
 * no TLS; and without the integrations nobody has given a secret, which would only fail.
 */
export function alertmanagerDelivery(ports: Ports): Partial<AlertmanagerRenderOptions> {
  return { smtpSmarthost: address(ports.mailpitSmtp), smtpRequireTls: false, omitUnconfigured: true };
}

export function api(settings: StackSettings): Component {
  const args =
    settings.api === "dist"
      ? ["--import", API_DIST.register, API_DIST.main]
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
    "ML API (gRPC)": address(ports.apiGrpc),
    Prometheus: `http://${address(ports.prometheus)}`,
    Alertmanager: `http://${address(ports.alertmanager)}`,
    "alert email (newest)": `http://${address(ports.mailpit)}/view/latest.html`,
    "alert email (all, JSON)": `http://${address(ports.mailpit)}/api/v1/messages`,
    "Jaeger API": `http://${address(ports.jaegerQueryHttp)}/api/services`,
    "collector's own metrics": `http://${address(ports.collectorTelemetry)}/metrics`,
    "OTLP (HTTP)": `http://${address(ports.otlpHttp)}`,
  };
}
