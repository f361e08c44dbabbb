import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JOBS } from "../../prometheus/rules/rule-inputs.js";
import { collectorEnv, jaegerEnv } from "../../stack/components.js";
import { COMPOSE_PROMETHEUS_CONFIG } from "../../stack/compose.js";
import { binary, CONFIGS } from "../../stack/layout.js";
import { DEFAULT_PORTS, freePorts, PORT_SPECS, portsFromEnv } from "../../stack/ports.js";
import { JOB_PORTS, renderPrometheusConfig } from "../../stack/prometheus-config.js";
import { E2E_TUNING, stackUnavailable } from "./e2e-stack.js";

/**
 * The stack's configs and its one port table agree, and the binaries accept the configs. These need no
 * running component, only the installed binaries for the validation commands.
 */

/** Every `${env:NAME:-default}` in a config file. */
function envDefaults(file: string): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const m of readFileSync(file, "utf8").matchAll(/\$\{env:([A-Z0-9_]+):-([^}]*)\}/g)) {
    defaults.set(m[1] as string, m[2] as string);
  }
  return defaults;
}

/** Variables that carry an address: every one of them must come from stack/ports.ts. */
const ADDRESS = /_(ENDPOINT|HOST|PORT)$/;

describe("the stack's ports and configs", () => {
  for (const [what, file, env] of [
    ["collector", CONFIGS.collector, collectorEnv],
    ["Jaeger", CONFIGS.jaeger, jaegerEnv],
  ] as const) {
    it(`gives the ${what} config's address defaults from stack/ports.ts`, () => {
      const inFile = envDefaults(file);
      const fromStack = env(DEFAULT_PORTS);
      const addresses = [...inFile.keys()].filter((name) => ADDRESS.test(name)).sort();
      expect(addresses).toEqual(Object.keys(fromStack).sort());
      for (const [name, value] of Object.entries(fromStack))
        expect({ name, value: inFile.get(name) }).toEqual({ name, value });
    });
  }

  it("puts host metrics under the collector's scrape job, where the rules and dashboards look", () => {
    const config = parse(readFileSync(CONFIGS.collector, "utf8")) as {
      processors: Record<string, { attributes?: { key: string; value?: string }[] }>;
    };
    const serviceName = config.processors["resource/host"]?.attributes?.find((a) => a.key === "service.name");
    expect(serviceName?.value).toBe(JOBS.collector);
    expect(Object.keys(JOB_PORTS)).toContain(JOBS.collector);
  });

  it("sets only variables the collector config reads, the e2e intervals included", () => {
    const inFile = envDefaults(CONFIGS.collector);
    expect(Object.keys(collectorEnv(DEFAULT_PORTS, E2E_TUNING)).filter((name) => !inFile.has(name))).toEqual(
      [],
    );
  });

  it("moves a port with its variable and refuses two components on one port", () => {
    expect(portsFromEnv({ [PORT_SPECS.prometheus.env]: "19090" }).prometheus).toBe(19090);
    expect(() => portsFromEnv({ [PORT_SPECS.prometheus.env]: "4317" })).toThrow(/both use port 4317/);
    expect(() => portsFromEnv({ [PORT_SPECS.api.env]: "http" })).toThrow(/not a port/);
  });

  it("renders the committed Prometheus config from the default ports, byte for byte", () => {
    const source = readFileSync(CONFIGS.prometheus, "utf8");
    expect(renderPrometheusConfig(source, { ports: DEFAULT_PORTS })).toBe(source);
  });

  it("renders a Prometheus config that scrapes only the given ports, with absolute rule globs", async () => {
    const ports = await freePorts();
    const rendered = parse(
      renderPrometheusConfig(readFileSync(CONFIGS.prometheus, "utf8"), {
        ports,
        rulesRelativeTo: dirname(CONFIGS.prometheus),
        scrapeInterval: "1s",
      }),
    ) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets = [
      ...rendered.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)),
      ...rendered.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)),
    ];
    const allowed = new Set(Object.values(ports).map((p) => `127.0.0.1:${p}`));
    expect(targets.filter((t) => !allowed.has(t))).toEqual([]);
    expect(targets).toContain(`127.0.0.1:${ports.collectorTelemetry}`);
    expect(rendered.rule_files.every((glob) => isAbsolute(glob))).toBe(true);
    expect(rendered.global.scrape_interval).toBe("1s");
  });
});

const skip = stackUnavailable();
const tmp = mkdtempSync(join(tmpdir(), "inferwatch-config-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe.skipIf(skip !== undefined)("the stack's binaries accept its configs", () => {
  it("otelcol validate accepts the collector config", () => {
    const result = run(binary("otelcol"), ["validate", "--config", CONFIGS.collector]);
    expect(result).toMatchObject({ status: 0 });
  });

  it("jaeger validate accepts the Jaeger config", () => {
    const result = run(binary("jaeger"), ["validate", "--config", CONFIGS.jaeger]);
    expect(result.status, result.output).toBe(0);
  });

  it("otelcol validate rejects a broken config, so the checks above can fail", () => {
    const broken = join(tmp, "broken.yaml");
    writeFileSync(
      broken,
      readFileSync(CONFIGS.collector, "utf8").replace("memory_limiter:\n", "memory_limitr:\n"),
    );
    expect(run(binary("otelcol"), ["validate", "--config", broken]).status).not.toBe(0);
  });

  it("promtool check config accepts the committed and the rendered Prometheus configs", async () => {
    const rendered = join(tmp, "prometheus.yml");
    writeFileSync(
      rendered,
      renderPrometheusConfig(readFileSync(CONFIGS.prometheus, "utf8"), {
        ports: await freePorts(),
        rulesRelativeTo: dirname(CONFIGS.prometheus),
        scrapeInterval: "1s",
      }),
    );
    for (const file of [CONFIGS.prometheus, rendered]) {
      const result = run(binary("promtool"), ["check", "config", file]);
      expect(result.status, result.output).toBe(0);
    }
  });

  it("promtool accepts the Compose stack's Prometheus config", () => {
    // The Compose config names its rule files at the container's paths, so only its syntax is checked.
    const compose = run(binary("promtool"), ["check", "config", "--syntax-only", COMPOSE_PROMETHEUS_CONFIG]);
    expect(compose.status, compose.output).toBe(0);
  });
});
