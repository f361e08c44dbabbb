import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.stop());

describe("Open Inference Protocol V2", () => {
  it("describes the server and the repository extension", async () => {
    const res = await api.get("/v2");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: "inferwatch-ml-api",
      version: expect.any(String),
      extensions: ["model_repository"],
    });
  });

  it("answers the health probes", async () => {
    expect(await api.get("/v2/health/live")).toEqual({ status: 200, body: { live: true } });
    expect(await api.get("/v2/health/ready")).toEqual({ status: 200, body: { ready: true } });
    expect(await api.get("/healthz")).toEqual({ status: 200, body: { live: true } });
    expect(await api.get("/readyz")).toEqual({ status: 200, body: { ready: true } });
  });

  it("reports model readiness with and without a version", async () => {
    expect(await api.get("/v2/models/penguins/ready")).toEqual({
      status: 200,
      body: { name: "penguins", ready: true },
    });
    expect((await api.get("/v2/models/penguins/versions/1/ready")).body.ready).toBe(true);
  });

  it("gives each version's own signature in the model metadata", async () => {
    const v1 = await api.get("/v2/models/penguins/versions/1");
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ name: "penguins", versions: ["1", "2"], platform: "onnx_onnxv1" });
    expect(v1.body.inputs.map((i: { name: string }) => i.name)).toEqual(Object.keys(ADELIE_V1));
    expect(v1.body.inputs[0]).toEqual({ name: "bill_length_mm", datatype: "FP32", shape: [-1] });
    expect(v1.body.inputs.at(-1)).toEqual({ name: "sex", datatype: "BYTES", shape: [-1] });
    expect(v1.body.outputs).toEqual([
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
      { name: "prediction_id", datatype: "BYTES", shape: [-1] },
    ]);
    const latest = await api.get("/v2/models/penguins");
    expect(latest.body.inputs.map((i: { name: string }) => i.name)).not.toContain("sex");
  });

  it("infers on a named version and echoes the request id", async () => {
    const res = await api.post(
      "/v2/models/penguins/versions/1/infer",
      v2Body([ADELIE_V1, GENTOO_V1], { id: "42" }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model_name: "penguins", model_version: "1", id: "42" });
    const [label, probabilities] = res.body.outputs;
    expect(label).toEqual({ name: "label", datatype: "BYTES", shape: [2], data: ["Adelie", "Gentoo"] });
    expect(probabilities).toMatchObject({ name: "probabilities", datatype: "FP32", shape: [2, 3] });
    expect(probabilities.data).toHaveLength(6);
  });

  it("routes a request without a version to the latest loaded one", async () => {
    const res = await api.post("/v2/models/penguins/infer", v2Body([withoutSex(GENTOO_V1)]));
    expect(res.status).toBe(200);
    expect(res.body.model_version).toBe("2");
    expect(res.body).not.toHaveProperty("id");
  });

  it("returns only the outputs the client asked for", async () => {
    const res = await api.post(
      "/v2/models/penguins/versions/1/infer",
      v2Body([ADELIE_V1], { outputs: [{ name: "probabilities" }] }),
    );
    expect(res.body.outputs.map((o: { name: string }) => o.name)).toEqual(["probabilities"]);
  });

  it("accepts nested [N, 1] data, integer datatypes and null for a missing value", async () => {
    const body = v2Body([ADELIE_V1, GENTOO_V1]);
    body.inputs[2] = {
      name: "flipper_length_mm",
      shape: [2, 1],
      datatype: "INT32",
      data: [[181], [221]] as never,
    };
    body.inputs[5] = { name: "sex", shape: [2], datatype: "BYTES", data: [null, "FEMALE"] };
    const res = await api.post("/v2/models/penguins/versions/1/infer", body);
    expect(res.status).toBe(200);
    expect(res.body.outputs[0].data).toEqual(["Adelie", "Gentoo"]);
  });

  it("gives the same answer as V1 for the same instance", async () => {
    const v1 = await api.post("/v1/models/penguins:predict", { instances: [withoutSex(ADELIE_V1)] });
    const v2 = await api.post("/v2/models/penguins/infer", v2Body([withoutSex(ADELIE_V1)]));
    const probabilities = Object.values(v1.body.predictions[0].probabilities);
    expect(v2.body.outputs[1].data).toEqual(probabilities);
  });
});
