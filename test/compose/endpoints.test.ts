import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DATASOURCES } from "../../grafana/src/datasources.js";
import { CONTAINER_PATHS, GRAFANA_ENV } from "../../grafana/src/provisioning.js";
import { alertmanager, collectorEnv, jaegerEnv, prometheus } from "../../stack/components.js";
import {
  COMPOSE_HOSTS,
  COMPOSE_PROMETHEUS_CONFIG,
  renderComposePrometheusConfig,
  SERVICES,
} from "../../stack/compose.js";
import { REPO_ROOT } from "../../stack/layout.js";
import { DEFAULT_PORTS, type PortName } from "../../stack/ports.js";
import { flags, hostPort, loadCompose, NATIVE_STACK, parseVolume, type Service } from "./compose-model.js";

/**
 * Every address one container uses to reach another agrees with what that other one listens on: the
 * collector and Jaeger listen where the native stack does (on all interfaces instead of loopback), and
 * Prometheus's targets, Grafana's datasources, the API's OTLP endpoint and every health check point at a
 * service and a port it really listens on.
 */

const compose = loadCompose();
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

/** Grafana listens on its own default inside its container (grafana.ini sets no http_port). */
const GRAFANA_CONTAINER_PORT = 3000;

/** The ports each service listens on, read from its environment and flags as Compose runs it. */
function listening(name: string): Set<number> {
  const s = service(name);
  const ports = new Set<number>();
  for (const [key, value] of Object.entries(s.environment ?? {})) {
    if (/_ENDPOINT$/.test(key) && value.startsWith("0.0.0.0:")) ports.add(hostPort(value).port);
    if (/_TELEMETRY_PORT$/.test(key) || key === "PORT" || key === "GRPC_PORT") ports.add(Number(value));
  }
  const listen = flags(s.command).get("--web.listen-address");
  if (listen) ports.add(hostPort(listen).port);
  if (name === SERVICES.grafana) ports.add(GRAFANA_CONTAINER_PORT);
  return ports;
}

const PORT_NAMES = new Map(Object.entries(DEFAULT_PORTS).map(([name, port]) => [port, name as PortName]));

/** What a native address becomes in Compose: its own listeners on all interfaces, others by service name. */
function composeAddress(owner: string, nativeValue: string): string {
  // A URL (the collector's push to Prometheus): its host and port as an address, its path as is.
  const url = /^(https?:\/\/)([^/]+)(.*)$/.exec(nativeValue);
  if (url) return `${url[1]}${composeAddress(owner, url[2] as string)}${url[3]}`;
  if (nativeValue === "127.0.0.1") return "0.0.0.0";
  // A bare port (the telemetry readers' `port:`) stays what it is.
  if (/^\d+$/.test(nativeValue)) return nativeValue;
  const { port } = hostPort(nativeValue);
  const host = COMPOSE_HOSTS[PORT_NAMES.get(port) as PortName];
  return `${host === owner ? "0.0.0.0" : host}:${port}`;
}

describe("the Compose services' addresses", () => {
  for (const [name, env] of [
    [SERVICES.collector, collectorEnv(DEFAULT_PORTS)],
    [SERVICES.jaeger, jaegerEnv(DEFAULT_PORTS)],
  ] as const) {
    it(`gives ${name} every address variable the native stack sets, on the same ports`, () => {
      const composed = service(name).environment ?? {};
      expect(Object.keys(composed).sort()).toEqual(Object.keys(env).sort());
      for (const [key, value] of Object.entries(env)) {
        expect({ key, value: composed[key] }).toEqual({ key, value: composeAddress(name, value) });
      }
    });
  }

  it("renders the committed prometheus.compose.yml from prometheus.yml (npm run compose-configs)", () => {
    expect(readFileSync(COMPOSE_PROMETHEUS_CONFIG, "utf8")).toBe(renderComposePrometheusConfig());
  });

  it("points every Prometheus target and its Alertmanager at a service listening on that port", () => {
    const config = parse(readFileSync(COMPOSE_PROMETHEUS_CONFIG, "utf8")) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets = [
      ...config.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)),
      ...config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(4);
    for (const target of targets) {
      const { host, port } = hostPort(target);
      expect({ target, listens: listening(host).has(port) }).toEqual({ target, listens: true });
    }
    const collector = listening(SERVICES.collector);
    expect(collector.has(DEFAULT_PORTS.collectorTelemetry)).toBe(true);
  });

  it("gives Grafana datasource URLs that are services listening on those ports", () => {
    const provisioned = parse(
      readFileSync(join(REPO_ROOT, "grafana/provisioning/datasources/inferwatch.yaml"), "utf8"),
    ) as { datasources: { uid: string; url: string }[] };
    expect(provisioned.datasources.map((d) => d.uid).sort()).toEqual(
      Object.values(DATASOURCES)
        .map((d) => d.uid)
        .sort(),
    );
    for (const { url } of provisioned.datasources) {
      const { host, port } = hostPort(url);
      expect({ url, listens: listening(host).has(port) }).toEqual({ url, listens: true });
      expect(service(SERVICES.grafana).depends_on).toHaveProperty(host);
    }
  });

  it("sends the ML API's telemetry to the collector's OTLP HTTP port", () => {
    const endpoint = service(SERVICES.api).environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? "";
    expect(endpoint).toBe(`http://${SERVICES.collector}:${DEFAULT_PORTS.otlpHttp}`);
    expect(listening(SERVICES.collector).has(DEFAULT_PORTS.otlpHttp)).toBe(true);
  });

  it("sends traffic to the API's port, and publishes the API on the ports it listens on", () => {
    const url = flags(service(SERVICES.traffic).command).get("--url") ?? "";
    expect(hostPort(url)).toEqual({ host: SERVICES.api, port: DEFAULT_PORTS.api });
    expect(listening(SERVICES.api)).toEqual(new Set([DEFAULT_PORTS.api, DEFAULT_PORTS.apiGrpc]));
    const published = (service(SERVICES.api).ports ?? []).map((p) => Number(p.split(":").at(-1)));
    expect(published).toEqual([DEFAULT_PORTS.api, DEFAULT_PORTS.apiGrpc]);
  });

  it("health-checks each service on a port it listens on, the collector through its health_check extension", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const url = s.healthcheck?.test.find((arg) => arg.includes("http://"));
      if (!url) continue;
      const match = /http:\/\/([^:/']+):(\d+)/.exec(url);
      const host = match?.[1] as string;
      const port = Number(match?.[2]);
      const own = host === "127.0.0.1";
      expect({ name, listens: listening(own ? name : host).has(port) }).toEqual({ name, listens: true });
    }
    const collectorCheck = service(SERVICES.collector).healthcheck?.test.join(" ") ?? "";
    expect(collectorCheck).toContain(`:${DEFAULT_PORTS.collectorHealth}/`);
  });

  it("runs Prometheus and Alertmanager with the native stack's flags", () => {
    for (const [name, native] of [
      [SERVICES.prometheus, prometheus(NATIVE_STACK).args],
      [SERVICES.alertmanager, alertmanager(NATIVE_STACK).args],
    ] as const) {
      const composed = flags(service(name).command);
      const nativeFlags = flags(native);
      const composeOnly = name === SERVICES.prometheus ? ["--storage.tsdb.retention.size"] : [];
      expect([...composed.keys()].filter((f) => !composeOnly.includes(f)).sort()).toEqual(
        [...nativeFlags.keys()].sort(),
      );
      for (const flag of ["--enable-feature", "--cluster.listen-address"]) {
        if (nativeFlags.has(flag)) expect(composed.get(flag)).toBe(nativeFlags.get(flag));
      }
    }
  });

  it("mounts Grafana's files where its provisioning expects them, with the variables grafana.ini reads", () => {
    const targets = (service(SERVICES.grafana).volumes ?? []).map((v) => parseVolume(v).target);
    for (const path of Object.values(CONTAINER_PATHS)) expect(targets).toContain(path);
    expect(Object.keys(service(SERVICES.grafana).environment ?? {}).sort()).toEqual(
      Object.keys(GRAFANA_ENV).sort(),
    );
  });

  it("mounts the collector, Jaeger, Prometheus and Alertmanager configs where each is told to read it", () => {
    const mounted = (name: string) => (service(name).volumes ?? []).map((v) => parseVolume(v).target);
    expect(mounted(SERVICES.collector)).toContain("/etc/otelcol-contrib/config.yaml");
    const jaegerConfig = service(SERVICES.jaeger).command?.[1] ?? "";
    expect(mounted(SERVICES.jaeger)).toContain(jaegerConfig);
    for (const name of [SERVICES.prometheus, SERVICES.alertmanager]) {
      expect(mounted(name)).toContain(flags(service(name).command).get("--config.file"));
    }
    // Rules and templates sit beside their configs, where the relative globs in them resolve.
    expect(mounted(SERVICES.prometheus)).toContain("/etc/prometheus/rules");
    expect(mounted(SERVICES.alertmanager)).toContain("/etc/alertmanager/templates");
  });
});
