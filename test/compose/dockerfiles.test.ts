import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { api } from "../../stack/components.js";
import { SERVICES } from "../../stack/compose.js";
import { envExample } from "../../stack/env-example.js";
import { REPO_ROOT } from "../../stack/layout.js";
import { DEFAULT_PORTS } from "../../stack/ports.js";
import { spawnInstrumentedApi } from "../support/api-process.js";
import { startTestApi } from "../support/in-process-api.js";
import { COMPOSE_FILE, loadCompose, NATIVE_STACK, rawCompose } from "./compose-model.js";
import { execForm, last, readDockerfile, type Stage } from "./dockerfile.js";

/**
 * The images Compose builds, checked without building them: the ML API image runs the native stack's entry
 * point, every build argument a Dockerfile needs comes from .env.example, the collector image is the
 * contrib image of the native version, and the traffic image's build steps, replayed here on the files it
 * copies and nothing else, give a generator that runs.
 */

const compose = loadCompose();
const raw = rawCompose();
const dockerfileOf = (name: string) => {
  const build = compose.services[name]?.build;
  if (!build) throw new Error(`${name} is not built`);
  const context = resolve(dirname(COMPOSE_FILE), build.context);
  return { context, file: readDockerfile(join(context, build.dockerfile ?? "Dockerfile")) };
};

describe("the images Compose builds", () => {
  it("runs the ML API with the entry point the native stack runs (npm run stack: the build, SDK first)", () => {
    const { file } = dockerfileOf(SERVICES.api);
    const cmd = execForm(last(file.stages.at(-1), "CMD")?.args ?? "");
    expect(cmd).toEqual(["node", ...api(NATIVE_STACK).args]);
    expect(last(file.stages.at(-1), "WORKDIR")?.args).toBe("/app");
    expect(last(file.stages.at(-1), "USER")?.args).not.toMatch(/^(root|0)$/);
  });

  it("passes every build argument a Dockerfile has no default for, each from .env.example", () => {
    for (const name of [SERVICES.api, SERVICES.collector, SERVICES.traffic]) {
      const { file } = dockerfileOf(name);
      const given = raw.services[name]?.build?.args ?? {};
      for (const [arg, fallback] of file.globalArgs) {
        if (fallback === undefined) expect(Object.keys(given)).toContain(arg);
      }
      for (const [arg, value] of Object.entries(given)) {
        expect(value).toMatch(new RegExp(`^\\$\\{${arg}(:\\?[^}]*)?\\}$`));
      }
    }
  });

  it("starts the ML API with the environment Compose gives it, empty settings taking the API's defaults", async () => {
    const {
      PORT: _port,
      MODEL_REPOSITORY: _models,
      INFERWATCH_CONTROL_TOKEN_FILE: tokenFile,
      PREDICTION_ID_KEY_FILE: keyFile,
      ...env
    } = compose.services[SERVICES.api]?.environment ?? {};
    // The secrets Compose mounts under /run/secrets/, here the test's own files.
    expect([tokenFile, keyFile]).toEqual(["/run/secrets/control-token", "/run/secrets/prediction-id-key"]);
    expect(Object.values(env).filter((v) => v === "").length).toBeGreaterThan(5);
    // On a free port, with the models the mount would give it and the collector's address left unresolved.
    const api = await spawnInstrumentedApi({
      ...env,
      MODEL_REPOSITORY: resolve(dirname(COMPOSE_FILE), envExample("INFERWATCH_MODELS_DIR")),
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
    });
    try {
      const ready = await fetch(`http://127.0.0.1:${api.port}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      api.child.kill("SIGTERM");
      await api.exited;
    }
  });

  it("has the ML API Dockerfile's own default base image equal to .env.example's", () => {
    const { file } = dockerfileOf(SERVICES.api);
    expect(file.globalArgs.get("NODE_IMAGE")).toBe(envExample("NODE_IMAGE"));
  });

  it("builds the collector from the contrib image of the version the native build uses, with its probe", () => {
    const { file } = dockerfileOf(SERVICES.collector);
    const final = file.stages.at(-1) as Stage;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's variable, as the file writes it
    expect(final.from).toBe("otel/opentelemetry-collector-contrib:${OTELCOL_VERSION}");
    expect(compose.services[SERVICES.collector]?.build?.args?.OTELCOL_VERSION).toBe(
      envExample("OTELCOL_VERSION"),
    );
    const probe = compose.services[SERVICES.collector]?.healthcheck?.test[1] ?? "";
    const copies = final.instructions
      .filter((i) => i.keyword === "COPY")
      .map((i) => i.args.split(/\s+/).at(-1));
    expect(copies).toContain(probe);
  });

  it("pulls Jaeger, Alertmanager, Prometheus 3 and Grafana at the pinned versions", () => {
    const image = (name: string) => compose.services[name]?.image;
    expect(image(SERVICES.jaeger)).toBe(`jaegertracing/jaeger:${envExample("JAEGER_VERSION")}`);
    expect(image(SERVICES.alertmanager)).toBe(`prom/alertmanager:v${envExample("ALERTMANAGER_VERSION")}`);
    expect(image(SERVICES.prometheus)).toMatch(/^prom\/prometheus:v3\.\d+\.\d+$/);
    expect(image(SERVICES.grafana)).toBe(`grafana/grafana:${envExample("GRAFANA_VERSION")}`);
  });
});

describe("the traffic image's build, replayed on the files it copies", () => {
  const work = mkdtempSync(join(tmpdir(), "inferwatch-traffic-image-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs a stage's COPY and RUN steps in `dir` (its WORKDIR); `npm ci` links this checkout's node_modules. */
  function replay(stage: Stage, dir: string, stages: Record<string, string>): void {
    mkdirSync(dir, { recursive: true });
    for (const { keyword, args } of stage.instructions) {
      if (keyword === "COPY") {
        const from = /^--from=(\S+)\s+/.exec(args);
        const parts = args.replace(/^--from=\S+\s+/, "").split(/\s+/);
        const dest = parts.pop() as string;
        const root = from ? (stages[from[1] as string] as string) : REPO_ROOT;
        for (const raw of parts) {
          // Absolute paths in another stage are under its WORKDIR, which `stages` maps to a folder.
          const source = from ? raw.replace(/^\/app\//, "") : raw;
          const target = dest.endsWith("/")
            ? join(dir, dest, source.split("/").at(-1) as string)
            : join(dir, dest);
          cpSync(join(root, source), target, { recursive: true });
        }
      } else if (keyword === "RUN" && args.startsWith("npm ci")) {
        symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
      } else if (keyword === "RUN") {
        const result = spawnSync("bash", ["-c", args], { cwd: dir, encoding: "utf8" });
        expect(result.status, `${args}\n${result.stderr}`).toBe(0);
      }
    }
  }

  it("bundles the generator, which then runs from the runtime stage's files alone", async () => {
    const { file } = dockerfileOf(SERVICES.traffic);
    const [build, runtime] = file.stages as [Stage, Stage];
    // The replay maps each stage's WORKDIR to its folder.
    expect([last(build, "WORKDIR")?.args, last(runtime, "WORKDIR")?.args]).toEqual(["/app", "/app"]);
    const buildDir = join(work, "build");
    const runDir = join(work, "run");
    replay(build, buildDir, {});
    replay(runtime, runDir, { [build.name as string]: buildDir });

    const entrypoint = execForm(last(runtime, "ENTRYPOINT")?.args ?? "");
    const cmd = execForm(last(runtime, "CMD")?.args ?? "");
    const [node, ...args] = entrypoint;
    expect(node).toBe("node");
    const help = spawnSync(process.execPath, [...args, ...cmd], { cwd: runDir, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("--rate");

    const target = await startTestApi();
    try {
      const composeArgs = compose.services[SERVICES.traffic]?.command ?? [];
      const url = composeArgs.find((a) => a.startsWith("--url="));
      expect(url).toBe(`--url=http://${SERVICES.api}:${DEFAULT_PORTS.api}`);
      // Asynchronously: the API answering it runs in this process.
      const run = await promisify(execFile)(
        process.execPath,
        [...args, `--url=${target.url}`, "--count=20", "--rate=200", "--seed=3"],
        { cwd: runDir, encoding: "utf8", timeout: 30_000 },
      );
      expect(run.stdout).toMatch(/sent 20 requests/);
    } finally {
      await target.stop();
    }
  });
});
