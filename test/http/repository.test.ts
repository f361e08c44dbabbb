import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, v2Body, withoutSex } from "../support/penguins.js";

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(() => api.stop());

const unload = (body?: unknown) => api.post("/v2/repository/models/penguins/unload", body ?? "");
const load = (body?: unknown) => api.post("/v2/repository/models/penguins/load", body ?? "");

describe("model repository control", () => {
  it("lists every version with its state", async () => {
    expect(await api.post("/v2/repository/index", "")).toEqual({
      status: 200,
      body: [
        { name: "penguins", version: "1", state: "READY", reason: "" },
        { name: "penguins", version: "2", state: "READY", reason: "" },
      ],
    });
  });

  it("answers 503 with a clear message while a model is unloaded, and serves again after load", async () => {
    expect(await unload()).toEqual({ status: 200, body: {} });
    const refused = await api.post("/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatch(
      /model "penguins" has no loaded version: unloaded through the repository API/,
    );
    expect((await api.post("/v2/models/penguins/versions/1/infer", v2Body([ADELIE_V1]))).status).toBe(503);
    expect(await api.get("/v2/models/penguins/ready")).toEqual({
      status: 503,
      body: { name: "penguins", ready: false },
    });
    expect(await api.get("/readyz")).toEqual({ status: 503, body: { ready: false } });
    const index = await api.post("/v2/repository/index", { ready: true });
    expect(index.body).toEqual([]);

    expect(await load()).toEqual({ status: 200, body: {} });
    expect(
      (await api.post("/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] })).status,
    ).toBe(200);
    expect((await api.get("/readyz")).status).toBe(200);
  });

  it("routes requests without a version to the latest version still loaded", async () => {
    expect((await unload({ parameters: { version: "2" } })).status).toBe(200);
    const res = await api.post("/v2/models/penguins/infer", v2Body([ADELIE_V1]));
    expect(res.status).toBe(200);
    expect(res.body.model_version).toBe("1");
    expect(
      (await api.post("/v2/models/penguins/versions/2/infer", v2Body([withoutSex(ADELIE_V1)]))).status,
    ).toBe(503);
    expect((await load({ parameters: { version: "2" } })).status).toBe(200);
    expect(
      (await api.post("/v2/models/penguins/infer", v2Body([withoutSex(ADELIE_V1)]))).body.model_version,
    ).toBe("2");
  });

  it("finishes requests already accepted when their model is unloaded", async () => {
    const inFlight = Array.from({ length: 50 }, () =>
      api.post("/v2/models/penguins/versions/1/infer", v2Body([ADELIE_V1])),
    );
    const unloaded = unload();
    const statuses = (await Promise.all(inFlight)).map((r) => r.status);
    expect((await unloaded).status).toBe(200);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  });

  it("rejects control of models that do not exist, and bad parameters", async () => {
    expect((await api.post("/v2/repository/models/zebra/load", "")).status).toBe(404);
    expect((await api.post("/v2/repository/models/zebra/unload", "")).status).toBe(404);
    expect((await api.post("/v2/repository/models/..%2F..%2Fetc/load", "")).status).toBe(404);
    expect((await load({ parameters: { version: "9" } })).body).toEqual({
      error: 'model "penguins" has no version "9"',
    });
    expect((await load({ parameters: { version: 2 } })).body).toEqual({
      error: "parameters.version: must be string",
    });
    expect((await api.post("/v2/repository/index", { ready: "yes" })).status).toBe(400);
  });
});
