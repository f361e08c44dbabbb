import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { ModelNotFoundError, ModelUnavailableError } from "../../ml-api/src/errors.js";
import { ModelRegistry } from "../../ml-api/src/inference/model-registry.js";
import { compareVersions, ModelRepository } from "../../ml-api/src/inference/model-repository.js";

const ROW = [39.1, 18.7, 181, 3750, "Torgersen", "MALE"];
let root: string;
let registry: ModelRegistry;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "models-"));
  await cp(BUNDLED_MODEL_REPOSITORY, root, { recursive: true });
  registry = new ModelRegistry(new ModelRepository(root), {
    session: { intraOpThreads: 1 },
    drift: { size: 5000, minSamples: 1000 },
  });
});
afterEach(async () => {
  await registry.close();
  await rm(root, { recursive: true, force: true });
});

describe("model registry", () => {
  it("keeps a leased version working after unload, and refuses new leases", async () => {
    await registry.loadAll();
    const lease = registry.acquire("penguins", "1");
    await registry.unload("penguins", "1");
    expect(() => registry.acquire("penguins", "1")).toThrow(ModelUnavailableError);
    const result = await lease.model.infer([ROW]);
    expect(result.output.task === "classification" && result.output.predictions[0]?.label).toBe("Adelie");
    lease.release();
  });

  it("marks a version that cannot load as failed and keeps serving the others", async () => {
    await cp(join(root, "penguins", "1"), join(root, "penguins", "3"), { recursive: true });
    await writeFile(join(root, "penguins", "3", "model.onnx"), "not a model");
    await registry.loadAll();
    const byVersion = Object.fromEntries(registry.statuses().map((s) => [s.version, s.state]));
    expect(byVersion).toEqual({ "1": "ready", "2": "ready", "3": "failed" });
    expect(registry.acquire("penguins").model.version).toBe("2");
    expect(registry.ready()).toBe(false);
    await expect(registry.load("penguins", "3")).rejects.toThrow(
      /failed to load model "penguins": version 3:/,
    );
  });

  it("finds models added to the repository after start when indexed", async () => {
    await registry.loadAll();
    await cp(join(root, "penguins"), join(root, "puffins"), { recursive: true });
    expect(() => registry.acquire("puffins")).toThrow(ModelNotFoundError);
    const index = await registry.index();
    expect(index.filter((s) => s.name === "puffins").map((s) => s.state)).toEqual(["unloaded", "unloaded"]);
    expect(() => registry.acquire("puffins")).toThrow(ModelUnavailableError);
    await registry.load("puffins");
    expect(registry.acquire("puffins").model.name).toBe("puffins");
  });

  it("never reads outside the repository, whatever the name", async () => {
    for (const name of ["..", "../..", "/etc", "penguins/../penguins", ""]) {
      await expect(registry.load(name)).rejects.toThrow(ModelNotFoundError);
    }
  });

  it("orders numeric versions as numbers", () => {
    expect(["10", "9", "2"].sort(compareVersions)).toEqual(["2", "9", "10"]);
  });
});
