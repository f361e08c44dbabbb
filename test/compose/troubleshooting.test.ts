import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../stack/layout.js";
import { freePorts, PORT_SPECS, PortError } from "../../stack/ports.js";
import { startStack } from "../../stack/stack.js";
import { type E2EStack, stackUnavailable, startE2EStack } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import { PrometheusApi } from "../e2e/prometheus-api.js";
import { poll, spawnInstrumentedApi } from "../support/api-process.js";
import { freePort } from "../support/free-port.js";
import { startTestApi } from "../support/in-process-api.js";
import { ADELIE_V1, withoutSex } from "../support/penguins.js";

/**
 * The troubleshooting entries of MONITORING_DEPLOYMENT_GUIDE.md, each reproduced on the real components:
 * the failure is caused, its symptom is observed, and the guide's way to confirm it shows it. Test names
 * carry the entry's heading, and a test checks every entry has one here or says how it was verified.
 */

const predict = (base: string) =>
  fetch(`${base}/v1/models/penguins:predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [withoutSex(ADELIE_V1)] }),
  });

/** What the guide's confirmation does: an empty OTLP/HTTP JSON export, which a collector accepts. */
const otlpProbe = (endpoint: string) =>
  fetch(`${endpoint}/v1/metrics`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(5000),
  }).then((r) => r.status);

/** The JSON log lines a component of the stack wrote. */
function logLines(e2e: E2EStack, component: string): Record<string, unknown>[] {
  return readFileSync(join(e2e.runDir, "logs", `${component}.log`), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const EXPORT_WARNING = "telemetry export failing";

describe("troubleshooting entries, on components started for them", () => {
  it("The ML API exits at start with code 2: an invalid setting is named", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "ml-api/src/main.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: "0", MAX_BATCH_ROWS: "0", LOG_LEVEL: "many" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(output).toMatch(/MAX_BATCH_ROWS/);
    expect(output).toMatch(/LOG_LEVEL/);
  });

  it("Requests get 503 with Retry-After: the model is not loaded", async () => {
    const api = await startTestApi();
    try {
      await api.post("/v2/repository/models/penguins/unload", {});
      const res = await predict(api.url);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      // Confirm: the repository index says which versions are unavailable and why.
      const index = await api.post("/v2/repository/index", {});
      const states = (index.body as { name: string; state: string; reason: string }[])
        .filter((m) => m.name === "penguins")
        .map((m) => m.state);
      expect(states.length).toBeGreaterThan(0);
      expect(new Set(states)).toEqual(new Set(["UNAVAILABLE"]));
      // Fix: load it again.
      expect((await api.post("/v2/repository/models/penguins/load", {})).status).toBe(200);
      expect((await predict(api.url)).status).toBe(200);
    } finally {
      await api.stop();
    }
  });

  it("Wrong OTLP endpoint: the API serves and warns; an empty export to that endpoint is refused", async () => {
    const wrongPort = await freePort();
    const api = await spawnInstrumentedApi({
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${wrongPort}`,
      OTEL_METRIC_EXPORT_INTERVAL: "500",
    });
    try {
      expect((await predict(`http://127.0.0.1:${api.port}`)).status).toBe(200);
      const warning = await poll("the export warning", () =>
        api.logs.find((l) => String(l.msg).startsWith(EXPORT_WARNING)),
      );
      // The SDK retries until the export interval runs out, so the error says "timed out", not where.
      expect(String(warning.lastError)).toMatch(/timed out|ECONNREFUSED/);
      // Confirm: an empty OTLP/HTTP export to the configured endpoint is refused (a collector answers 200).
      await expect(otlpProbe(`http://127.0.0.1:${wrongPort}`)).rejects.toThrow();
    } finally {
      api.child.kill("SIGTERM");
      await api.exited;
    }
  });

  it("npm run stack: ports in use: the start is refused, naming each port and its variable", async () => {
    const ports = await freePorts();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.prometheus, "127.0.0.1", resolve));
    try {
      const started = startStack({
        ports,
        runDir: "/nonexistent",
        api: "dist",
        tuning: {},
        retention: "1h",
        apiEnv: {},
      });
      await expect(started).rejects.toBeInstanceOf(PortError);
      await expect(started).rejects.toThrow(new RegExp(`${ports.prometheus}.*${PORT_SPECS.prometheus.env}`));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

const skip = stackUnavailable();

describe.skipIf(skip !== undefined)("troubleshooting entries, on the whole native stack", () => {
  let e2e: E2EStack | undefined;
  let failed = false;
  let prometheus: PrometheusApi;
  const stack = () => e2e as E2EStack;

  beforeAll(async () => {
    e2e = await startE2EStack();
    prometheus = new PrometheusApi(e2e.url("prometheus"));
  });
  afterAll(async () => {
    await e2e?.stop(failed);
  });
  const track = async (body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  it("A Prometheus target is down: /api/v1/targets gives its last error", () =>
    track(async () => {
      const upOf = async (job: string) => (await prometheus.query(`up{job="${job}"}`))[0]?.value;
      await eventually(
        "alertmanager scraped",
        async () => ((await upOf("alertmanager")) === 1 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      await Promise.all(
        stack()
          .stack.processes.filter((p) => p.name === "alertmanager")
          .map((p) => p.stop()),
      );
      const target = await eventually(
        "the alertmanager target down with its error",
        async () => {
          const res = await fetch(`${stack().url("prometheus")}/api/v1/targets?state=active`);
          const body = (await res.json()) as {
            data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
          };
          const t = body.data.activeTargets.find((a) => a.labels.job === "alertmanager");
          return t?.health === "down" ? t : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(target.lastError).toMatch(/connection refused/);
      expect(await upOf("alertmanager")).toBe(0);
    }));

  it('The collector is down: the API keeps serving and warns, and up{job="otel-collector"} is 0', () =>
    track(async () => {
      // While it is up, the confirmation command gets 200 from it.
      expect(await otlpProbe(stack().url("otlpHttp"))).toBe(200);
      await Promise.all(
        stack()
          .stack.processes.filter((p) => p.name === "otelcol")
          .map((p) => p.stop()),
      );
      const health = await fetch(stack().url("collectorHealth")).then(
        (r) => r.status,
        () => "refused",
      );
      expect(health).toBe("refused");
      for (let i = 0; i < 20; i++) expect((await predict(stack().url("api"))).status).toBe(200);
      await eventually(
        "an export warning in the API's log",
        async () =>
          logLines(stack(), "ml-api").some((l) => String(l.msg).startsWith(EXPORT_WARNING))
            ? true
            : undefined,
        { timeoutMs: 20_000 },
      );
      await eventually(
        'up{job="otel-collector"} == 0',
        async () => ((await prometheus.query('up{job="otel-collector"}'))[0]?.value === 0 ? true : undefined),
        { timeoutMs: 30_000 },
      );
    }));
});
