import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA } from "../../ml-api/src/config.js";
import { ENV_EXAMPLE, EnvFileError, envExample, parseEnvFile } from "../../stack/env-example.js";
import { binary, REPO_ROOT } from "../../stack/layout.js";
import { PORT_SPECS } from "../../stack/ports.js";
import { dotEnv, loadCompose } from "./compose-model.js";

/**
 * .env.example is the one place every pin, port and setting is written: each has a comment, each is read by
 * something (Compose, stack/install.sh or the TypeScript), and no pinned version is written anywhere else
 * except where a format cannot read variables (the collector builder manifest, a Dockerfile default), each of
 * those checked here to agree.
 */

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const installSh = read("stack/install.sh");
const pinsOfInstall = [...installSh.matchAll(/\$\(pin ([A-Z0-9_]+)\)/g)].map((m) => m[1] as string);

describe(".env.example", () => {
  it("is plain KEY=value lines, each with its comment; the parser refuses anything else", () => {
    expect(ENV_EXAMPLE.length).toBeGreaterThan(40);
    expect(ENV_EXAMPLE.every((e) => e.description.length > 10)).toBe(true);
    expect(() => parseEnvFile("# a\nA='quoted'\n")).toThrow(EnvFileError);
    expect(() => parseEnvFile("# a\nA=1\n# b\nA=2\n")).toThrow(/set twice/);
    expect(() => parseEnvFile("A=1\n")).toThrow(/no comment/);
    expect(() => parseEnvFile("# a\nexport A=1\n")).toThrow(/not KEY=value/);
  });

  it("holds every port of the stack, the API's equal to the API's own default", () => {
    for (const { env } of Object.values(PORT_SPECS)) expect(Number(envExample(env))).toBeGreaterThan(0);
    expect(Number(envExample(PORT_SPECS.api.env))).toBe(CONFIG_SCHEMA.properties.PORT.default);
    expect(Number(envExample(PORT_SPECS.apiGrpc.env))).toBe(CONFIG_SCHEMA.properties.GRPC_PORT.default);
  });

  it("has no entry nothing reads: each is used by Compose, stack/install.sh or the stack's code", () => {
    const used = new Set<string>(pinsOfInstall);
    loadCompose(dotEnv(), used);
    for (const { env } of Object.values(PORT_SPECS)) used.add(env);
    for (const file of ["stack/settings.ts", "grafana/src/provisioning.ts", "contract/alerting-config.ts"]) {
      for (const m of read(file).matchAll(/envExample\("([A-Z0-9_]+)"\)/g)) used.add(m[1] as string);
    }
    expect(ENV_EXAMPLE.map((e) => e.name).filter((name) => !used.has(name))).toEqual([]);
  });

  it("is where stack/install.sh takes every pin from, with no version written in the script", () => {
    expect(pinsOfInstall.sort()).toEqual(
      ENV_EXAMPLE.filter(
        (e) =>
          e.section === "Pinned versions" &&
          // Images are Compose's alone; the native stack builds the rest.
          !/IMAGE|GRAFANA/.test(e.name),
      )
        .map((e) => e.name)
        .sort(),
    );
    expect(installSh).not.toMatch(/\b\d+\.\d+\.\d+\b/);
    const pin = spawnSync(
      "bash",
      ["-c", `${/^pin\(\) \{[\s\S]*?^\}/m.exec(installSh)?.[0]}\npin OTELCOL_VERSION`],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
      },
    );
    expect(pin.stdout).toBe(envExample("OTELCOL_VERSION"));
  });

  it("writes each pinned version once: elsewhere only where a format cannot read it, and equal there", () => {
    const allowed: Record<string, string[]> = {
      OTELCOL_VERSION: ["otel-collector/builder-config.yaml"],
      OTELCOL_STABLE_VERSION: ["otel-collector/builder-config.yaml"],
      NODE_IMAGE: ["ml-api/Dockerfile"],
      // The datasource's prometheusVersion, rendered from .env.example by `npm run dashboards` (grafana's
      // tests check it is current).
      PROMETHEUS_VERSION: ["grafana/provisioning/datasources/inferwatch.yaml"],
    };
    const files = spawnSync("git", ["ls-files", "-co", "--exclude-standard"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    })
      .stdout.split("\n")
      .filter((f) => f && existsSync(join(REPO_ROOT, f)))
      // bench/backfill/template/ holds scrapes of a real stack, whose labels name the versions that ran;
      // package.json and its lock pin npm packages, whose versions can equal a pin by chance.
      .filter(
        (f) =>
          !/^(package(-lock)?\.json|\.env\.example|ml-api\/models\/|test\/compose\/schema\/|bench\/backfill\/template\/)/.test(
            f,
          ),
      );
    // The guide's variable table is rendered from .env.example (test/compose/guide.test.ts checks it).
    const withoutRendered = (text: string) => text.replace(/<!-- env-table[\s\S]*?<!-- \/env-table -->/, "");
    const texts = new Map(files.map((f) => [f, withoutRendered(readFileSync(join(REPO_ROOT, f), "utf8"))]));
    for (const entry of ENV_EXAMPLE.filter((e) => e.section === "Pinned versions")) {
      if (!/\d+\.\d+\.\d+|:/.test(entry.value)) continue;
      const holders = files.filter((f) => texts.get(f)?.includes(entry.value));
      const stray = holders.filter((f) => !(allowed[entry.name] ?? []).includes(f));
      expect({ pin: entry.name, stray }).toEqual({ pin: entry.name, stray: [] });
    }
  });

  it("agrees with the collector builder manifest, which cannot read variables", () => {
    const manifest = read("otel-collector/builder-config.yaml");
    const versions = [...manifest.matchAll(/^\s*- gomod: (\S+) v(\S+)$/gm)].map(([, mod, v]) => ({
      stable: /\/confmap\/provider\//.test(mod as string),
      v,
    }));
    expect(versions.length).toBeGreaterThan(5);
    for (const { stable, v } of versions) {
      expect(v).toBe(envExample(stable ? "OTELCOL_STABLE_VERSION" : "OTELCOL_VERSION"));
    }
    expect(manifest).toContain(`version: ${envExample("OTELCOL_VERSION")}-inferwatch`);
  });

  it("names the versions the installed native binaries report (when installed)", () => {
    const report = (name: Parameters<typeof binary>[0], args: string[]) =>
      existsSync(binary(name)) ? spawnSync(binary(name), args, { encoding: "utf8" }).stdout : undefined;
    const otelcol = report("otelcol", ["--version"]);
    if (otelcol !== undefined) expect(otelcol).toContain(envExample("OTELCOL_VERSION"));
    const jaeger = report("jaeger", ["version"]);
    if (jaeger !== undefined) expect(jaeger).toContain(`v${envExample("JAEGER_VERSION")}`);
    const am = report("alertmanager", ["--version"]);
    if (am !== undefined) expect(am).toContain(`version ${envExample("ALERTMANAGER_VERSION")} `);
  });
});
