import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_DIST } from "../../stack/layout.js";
import { type ApiProcess, spawnListening } from "../support/api-process.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("the build that npm start, the Dockerfile and the benches run", () => {
  let api: ApiProcess;

  beforeAll(async () => {
    execFileSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: "ignore" });
    api = await spawnListening(API_DIST.main, { OTEL_SDK_DISABLED: "true" }, [], { startTimeoutMs: 60_000 });
  }, 240_000);

  afterAll(async () => {
    api?.child.kill("SIGTERM");
    await api?.exited;
  });

  it("starts from dist/, reports the package's version and serves the bundled models", async () => {
    const base = `http://127.0.0.1:${api.port}`;
    const server = (await (await fetch(`${base}/v2`)).json()) as { version: string };
    const pkg = JSON.parse(readFileSync(new URL("package.json", `file://${REPO_ROOT}`), "utf8"));
    expect(server.version).toBe(pkg.version);
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/v2/models/penguins/ready`)).status).toBe(200);
  });
});
