import { readFileSync } from "node:fs";
import { CONFIGS } from "./layout.js";
import { DEFAULT_PORTS, type PortName } from "./ports.js";
import { renderPrometheusConfig } from "./prometheus-config.js";

/**
 * What docker-compose.monitoring.yml and the configs it mounts must agree on: the services' names (their
 * hostnames on the Compose network) and the Prometheus config rendered for them.
 */

/** Compose service names. Grafana's datasource URLs (grafana/src/datasources.ts) use the same; a test checks. */
export const SERVICES = {
  api: "ml-api",
  collector: "otel-collector",
  jaeger: "jaeger",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
  traffic: "traffic",
} as const;

/** The host each port is reached at inside the Compose network. */
export const COMPOSE_HOSTS = {
  api: SERVICES.api,
  apiGrpc: SERVICES.api,
  otlpGrpc: SERVICES.collector,
  otlpHttp: SERVICES.collector,
  collectorTelemetry: SERVICES.collector,
  collectorHealth: SERVICES.collector,
  jaegerOtlpGrpc: SERVICES.jaeger,
  jaegerOtlpHttp: SERVICES.jaeger,
  jaegerQueryHttp: SERVICES.jaeger,
  jaegerQueryGrpc: SERVICES.jaeger,
  jaegerHealth: SERVICES.jaeger,
  jaegerTelemetry: SERVICES.jaeger,
  prometheus: SERVICES.prometheus,
  alertmanager: SERVICES.alertmanager,
  alertmanagerCluster: SERVICES.alertmanager,
  // Compose runs one Alertmanager; a second, as MONITORING_DEPLOYMENT_GUIDE.md's "Alertmanager in a cluster"
  // adds it, is this service.
  alertmanagerPeer: "alertmanager-peer",
  alertmanagerPeerCluster: "alertmanager-peer",
  // Compose runs no Mailpit: its Alertmanager mails the operator's relay. A Mailpit service added to it would
  // go by this name.
  mailpitSmtp: "mailpit",
  mailpit: "mailpit",
} as const satisfies Record<PortName, string>;

/** Where the Compose stack's Prometheus config is committed (Prometheus cannot read variables). */
export const COMPOSE_PROMETHEUS_CONFIG = CONFIGS.prometheus.replace(
  /prometheus\.yml$/,
  "prometheus.compose.yml",
);

const HEADER = [
  " Prometheus of the Compose stack (docker-compose.monitoring.yml). Generated from prometheus.yml by",
  " `npm run compose-configs`: the same config with the Compose services' names as targets; edit",
  " prometheus.yml and regenerate, never this file (a test checks it is current). Compose mounts it at",
  " /etc/prometheus/prometheus.yml beside rules/, and runs Prometheus with the native stack's flags",
  " (--web.enable-otlp-receiver takes the collector's pushes, --enable-feature=exemplar-storage keeps their",
  " exemplars, created-timestamp-zero-ingestion starts each pushed counter at zero).",
].join("\n");

/** prometheus/prometheus.yml with every target at its Compose service, ports as in .env.example. */
export function renderComposePrometheusConfig(): string {
  return renderPrometheusConfig(readFileSync(CONFIGS.prometheus, "utf8"), {
    ports: DEFAULT_PORTS,
    hosts: COMPOSE_HOSTS,
    header: HEADER,
  });
}
