import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, withoutSex } from "../support/penguins.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.stop());

describe("KServe V1", () => {
  it("lists the models in the repository", async () => {
    expect(await api.get("/v1/models")).toEqual({ status: 200, body: { models: ["penguins"] } });
  });

  it("reports a model ready on its latest version", async () => {
    expect(await api.get("/v1/models/penguins")).toEqual({
      status: 200,
      body: { name: "penguins", ready: true, version: "2" },
    });
  });

  it("predicts species from named features, with probabilities and the version that answered", async () => {
    const res = await api.post("/v1/models/penguins:predict", {
      instances: [withoutSex(ADELIE_V1), withoutSex(GENTOO_V1)],
    });
    expect(res.status).toBe(200);
    expect(res.body.predictions.map((p: { label: string }) => p.label)).toEqual(["Adelie", "Gentoo"]);
    for (const p of res.body.predictions) {
      expect(p.model_version).toBe("2");
      const probabilities = Object.values(p.probabilities) as number[];
      expect(Object.keys(p.probabilities).sort()).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
      expect(probabilities.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
      expect(p.confidence).toBe(Math.max(...probabilities));
    }
  });

  it("accepts instances as arrays in signature order, the same as named ones", async () => {
    const named = await api.post("/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] });
    const ordered = await api.post("/v1/models/penguins:predict", {
      instances: [Object.values(withoutSex(ADELIE_V1))],
    });
    // Equal but for the prediction ids, which are unique per prediction.
    const withoutIds = (res: typeof named) =>
      res.body.predictions.map(({ prediction_id: _id, ...rest }: Record<string, unknown>) => rest);
    expect(ordered.status).toBe(200);
    expect(withoutIds(ordered)).toEqual(withoutIds(named));
  });

  it("serves missing values given as null: the model imputes them", async () => {
    const res = await api.post("/v1/models/penguins:predict", {
      instances: [{ ...withoutSex(GENTOO_V1), body_mass_g: null, island: null }],
    });
    expect(res.status).toBe(200);
    expect(res.body.predictions[0].label).toBe("Gentoo");
  });
});
