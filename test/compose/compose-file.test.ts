import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseDocument, visit } from "yaml";
import { SECRETS_PREFIX } from "../../alertmanager/config-render.js";
import { SERVICES } from "../../stack/compose.js";
import { ENV_EXAMPLE } from "../../stack/env-example.js";
import { CONFIGS, REPO_ROOT } from "../../stack/layout.js";
import {
  COMPOSE_FILE,
  composeSource,
  dotEnv,
  InterpolationError,
  loadCompose,
  parseVolume,
  rawCompose,
} from "./compose-model.js";

/**
 * docker-compose.monitoring.yml, checked without a Docker engine: against the Compose Specification schema,
 * against the repository (every file it mounts or builds from exists), and against the rules for a
 * deployment (pinned images, health checks, ordering, limits, volumes, networks, publishing, secrets).
 */

const compose = loadCompose();
const services = Object.entries(compose.services);
const longRunning = services.filter(([, s]) => !s.profiles?.includes("demo"));

function schemaValidator() {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, "test/compose/schema/compose-spec.json"), "utf8"));
  // The schema names its meta-schema with an https URL ajv does not know by that name; it is draft-07,
  // which ajv's default class implements, so the declaration is dropped rather than fetched.
  delete schema.$schema;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

describe("docker-compose.monitoring.yml against the Compose Specification", () => {
  const validate = schemaValidator();

  it("is valid as written and as Compose runs it with the quick start's .env", () => {
    for (const doc of [rawCompose(), compose]) {
      const ok = validate(doc);
      expect(ok, JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
  });

  it("is refused by the schema when a service has an unknown key, so the check above can fail", () => {
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    (broken.services["ml-api"] as Record<string, unknown>).healthcheck = {
      test: ["CMD", "true"],
      intervall: "1s",
    };
    expect(validate(broken)).toBe(false);
  });

  it("takes every variable from .env.example, and refuses to start without the Grafana password", () => {
    const used = new Set<string>();
    loadCompose(dotEnv(), used);
    const known = new Set(ENV_EXAMPLE.map((e) => e.name));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    const withoutPassword = { ...dotEnv(), GRAFANA_ADMIN_PASSWORD: "" };
    expect(() => loadCompose(withoutPassword)).toThrow(InterpolationError);
    expect(() => loadCompose({})).toThrow(/copy .env.example to .env/);
  });

  it("writes no version, port number or memory size of its own: each is a variable", () => {
    const source = composeSource()
      .split("\n")
      .filter((line) => !line.trim().startsWith("#"))
      .join("\n");
    expect(source).not.toMatch(/:\d+\.\d+\.\d+/);
    expect(source).not.toMatch(/\blatest\b/);
    expect(source).not.toMatch(/memory: \d/);
    // The only port literals: Grafana's own 3000 inside its container.
    expect([...source.matchAll(/[:=](\d{4,5})\b/g)].map((m) => m[1])).toEqual(["3000", "3000"]);
  });
});

describe("docker-compose.monitoring.yml against the repository", () => {
  it("mounts only files and folders that exist, read-only", () => {
    for (const [name, service] of services) {
      for (const volume of (service.volumes ?? []).map(parseVolume).filter((v) => v.bind)) {
        const source = resolve(dirname(COMPOSE_FILE), volume.source);
        expect({ service: name, source: volume.source, exists: existsSync(source) }).toMatchObject({
          exists: true,
        });
        expect({ service: name, source: volume.source, readOnly: volume.readOnly }).toMatchObject({
          readOnly: true,
        });
      }
    }
  });

  it("builds from contexts and Dockerfiles that exist", () => {
    const built = services.filter(([, s]) => s.build);
    expect(built.map(([name]) => name).sort()).toEqual(
      [SERVICES.api, SERVICES.collector, SERVICES.traffic].sort(),
    );
    for (const [, service] of built) {
      const context = resolve(dirname(COMPOSE_FILE), service.build?.context ?? "");
      expect(statSync(context).isDirectory()).toBe(true);
      expect(existsSync(join(context, service.build?.dockerfile ?? "Dockerfile"))).toBe(true);
    }
  });

  it("gives Alertmanager every secret file its config reads, from a git-ignored folder", () => {
    const wanted: string[] = [];
    visit(parseDocument(readFileSync(CONFIGS.alertmanager, "utf8")), {
      Pair(_key, pair) {
        const key = String((pair.key as { value?: unknown })?.value ?? "");
        const value = (pair.value as { value?: unknown })?.value;
        if (key.endsWith("_file") && typeof value === "string") wanted.push(value);
      },
    });
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.every((path) => path.startsWith(SECRETS_PREFIX))).toBe(true);
    const alertmanager = compose.services[SERVICES.alertmanager];
    const targets = (alertmanager?.secrets ?? []).map((s) => s.target);
    expect([...new Set(targets)].sort()).toEqual([...new Set(wanted)].sort());
    for (const secret of Object.values(compose.secrets)) {
      const ignored = spawnSync("git", ["check-ignore", "-q", secret.file], { cwd: REPO_ROOT });
      expect({ file: secret.file, ignored: ignored.status === 0 }).toEqual({
        file: secret.file,
        ignored: true,
      });
    }
  });

  it("sets every ML API setting from .env (empty: the API's default), or fixes it for the container", async () => {
    const { CONFIG_SCHEMA } = await import("../../ml-api/src/config.js");
    const env = compose.services[SERVICES.api]?.environment ?? {};
    const fixedByImage = ["HOST"];
    for (const name of Object.keys(CONFIG_SCHEMA.properties)) {
      if (fixedByImage.includes(name)) continue;
      expect(Object.keys(env)).toContain(name);
    }
    const raw = rawCompose().services[SERVICES.api]?.environment ?? {};
    for (const entry of ENV_EXAMPLE.filter((e) => e.section.startsWith("ML API settings"))) {
      expect(raw[entry.name]).toBe(`\${${entry.name}:-}`);
    }
  });
});

describe("docker-compose.monitoring.yml as a deployment", () => {
  it("runs each component once: the API, collector, Jaeger, Prometheus, Alertmanager, Grafana, and traffic on demand", () => {
    expect(Object.keys(compose.services).sort()).toEqual(Object.values(SERVICES).sort());
    expect(compose.services[SERVICES.traffic]?.profiles).toEqual(["demo"]);
    expect(longRunning.map(([name]) => name)).not.toContain(SERVICES.traffic);
  });

  it("has a health check on every service: in the file, or in the Dockerfile it builds", () => {
    for (const [name, service] of services) {
      const dockerfile = service.build
        ? readFileSync(
            join(
              resolve(dirname(COMPOSE_FILE), service.build.context),
              service.build.dockerfile ?? "Dockerfile",
            ),
            "utf8",
          )
        : "";
      const has = service.healthcheck !== undefined || /^HEALTHCHECK /m.test(dockerfile);
      expect({ service: name, healthcheck: has }).toEqual({ service: name, healthcheck: true });
      if (service.healthcheck) expect(service.healthcheck.test[0]).toBe("CMD");
    }
  });

  it("starts each service after what it depends on is healthy, with no cycle", () => {
    const order: string[] = [];
    const visiting = new Set<string>();
    const visitService = (name: string) => {
      if (order.includes(name)) return;
      if (visiting.has(name)) throw new Error(`dependency cycle through ${name}`);
      visiting.add(name);
      for (const [dep, { condition }] of Object.entries(compose.services[name]?.depends_on ?? {})) {
        expect({ service: name, dep, condition }).toEqual({
          service: name,
          dep,
          condition: "service_healthy",
        });
        visitService(dep);
      }
      order.push(name);
    };
    for (const name of Object.keys(compose.services)) visitService(name);
    const startsBefore = (a: string, b: string) => expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    startsBefore(SERVICES.collector, SERVICES.api);
    startsBefore(SERVICES.jaeger, SERVICES.collector);
    startsBefore(SERVICES.prometheus, SERVICES.grafana);
    startsBefore(SERVICES.alertmanager, SERVICES.prometheus);
    startsBefore(SERVICES.api, SERVICES.traffic);
  });

  it("limits every service's memory, the collector's above its own memory_limiter", () => {
    const mib = (size: string) => {
      const m = /^(\d+)([kmg])$/i.exec(size);
      if (!m) throw new Error(`not a size: ${size}`);
      return Number(m[1]) * { k: 1 / 1024, m: 1, g: 1024 }[(m[2] as string).toLowerCase() as "k" | "m" | "g"];
    };
    for (const [name, service] of services) {
      const limit = service.deploy?.resources?.limits?.memory;
      expect({ service: name, limit: typeof limit }).toEqual({ service: name, limit: "string" });
    }
    const collectorLimit = mib(compose.services[SERVICES.collector]?.deploy?.resources?.limits?.memory ?? "");
    const config = readFileSync(CONFIGS.collector, "utf8");
    const limiter = Number(/limit_mib: \$\{env:OTELCOL_MEMORY_LIMIT_MIB:-(\d+)\}/.exec(config)?.[1]);
    expect(limiter).toBeGreaterThan(0);
    expect(collectorLimit).toBeGreaterThan(limiter);
  });

  it("keeps Prometheus, Alertmanager and Grafana data in named volumes", () => {
    const dataDirs = {
      [SERVICES.prometheus]: "/prometheus",
      [SERVICES.alertmanager]: "/alertmanager",
      [SERVICES.grafana]: "/var/lib/grafana",
    };
    for (const [name, dir] of Object.entries(dataDirs)) {
      const named = (compose.services[name]?.volumes ?? []).map(parseVolume).filter((v) => !v.bind);
      expect(named.map((v) => v.target)).toEqual([dir]);
      expect(Object.keys(compose.volumes)).toContain(named[0]?.source);
    }
  });

  it("puts every service on an internal network, and only those that must reach out on another", () => {
    const internal = Object.entries(compose.networks).filter(([, n]) => n?.internal === true);
    expect(internal.length).toBe(1);
    const [internalName] = internal[0] as [string, unknown];
    const outside = new Set<string>();
    for (const [name, service] of services) {
      expect(service.networks).toContain(internalName);
      if ((service.networks ?? []).some((n) => n !== internalName)) outside.add(name);
    }
    // Published services need a non-internal network for their ports; Alertmanager, for Slack and SMTP.
    expect([...outside].sort()).toEqual([SERVICES.api, SERVICES.grafana, SERVICES.alertmanager].sort());
  });

  it("publishes only the ML API and Grafana, on the configured address", () => {
    const published = services.filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(published.sort()).toEqual([SERVICES.api, SERVICES.grafana].sort());
    const env = dotEnv();
    expect(compose.services[SERVICES.api]?.ports).toEqual([
      `${env.INFERWATCH_BIND_ADDRESS}:${env.INFERWATCH_API_PORT}:${env.INFERWATCH_API_PORT}`,
      `${env.INFERWATCH_BIND_ADDRESS}:${env.INFERWATCH_API_GRPC_PORT}:${env.INFERWATCH_API_GRPC_PORT}`,
    ]);
    expect(compose.services[SERVICES.grafana]?.ports).toEqual([
      `${env.INFERWATCH_BIND_ADDRESS}:${env.INFERWATCH_GRAFANA_PORT}:3000`,
    ]);
    expect(env.INFERWATCH_BIND_ADDRESS).toBe("127.0.0.1");
  });

  it("never puts a secret in the environment: Grafana's password comes from .env, the rest are files", () => {
    for (const [name, service] of services) {
      for (const key of Object.keys(service.environment ?? {})) {
        if (name === SERVICES.grafana && key === "GRAFANA_ADMIN_PASSWORD") continue;
        // A `*_FILE` setting names where Compose mounts a secret, never the secret itself.
        if (key.endsWith("_FILE")) {
          expect(service.environment?.[key]).toMatch(/^\/run\/secrets\//);
          continue;
        }
        expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN|WEBHOOK/);
      }
    }
  });
});
