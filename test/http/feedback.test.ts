import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS } from "../../contract/metric-catalogue.js";
import { PredictionIds } from "../../ml-api/src/inference/prediction-ids.js";
import { testSecretFiles } from "../support/control-secrets.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type Point, type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

const V1 = "/v1/models/penguins:predict";
const FEEDBACK = "/v2/models/penguins/feedback";

/** Two replicas sharing the key, as Compose runs them; labels go to whichever. */
let a: TestApi;
let b: TestApi;
let metrics: TestMetrics;
beforeAll(async () => {
  metrics = testMetrics();
  a = await startTestApi();
  b = await startTestApi({ FEEDBACK_MAX_ITEMS: "5", FEEDBACK_MAX_AGE_SECONDS: "3600" }, metrics);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

async function predictV1(instances: object[]): Promise<{ label: string; prediction_id: string }[]> {
  const res = await a.post(V1, { instances });
  expect(res.status).toBe(200);
  return res.body.predictions;
}

const confusion = (points: Point[], predicted: string, actual: string) =>
  total(points, METRICS.feedback.name, {
    [ATTR.model]: "penguins",
    [ATTR.version]: "2",
    [ATTR.predictedClass]: predicted,
    [ATTR.feedbackClass]: actual,
  });
const rejected = (points: Point[], reason: string) =>
  total(points, METRICS.feedbackRejected.name, { [ATTR.model]: "penguins", [ATTR.feedbackReason]: reason });

describe("prediction ids", () => {
  it("come with every V1 prediction, one per row", async () => {
    const predictions = await predictV1([withoutSex(ADELIE_V1), withoutSex(GENTOO_V1)]);
    expect(predictions.map((p) => typeof p.prediction_id)).toEqual(["string", "string"]);
    expect(new Set(predictions.map((p) => p.prediction_id)).size).toBe(2);
  });

  it("come as a BYTES output tensor in V2, left out when the client names outputs without it", async () => {
    const all = await a.post("/v2/models/penguins/versions/1/infer", v2Body([ADELIE_V1, GENTOO_V1]));
    const ids = all.body.outputs.find((o: { name: string }) => o.name === "prediction_id");
    expect(ids).toMatchObject({ datatype: "BYTES", shape: [2] });
    expect(ids.data).toHaveLength(2);
    const named = await a.post(
      "/v2/models/penguins/versions/1/infer",
      v2Body([ADELIE_V1], { outputs: [{ name: "label" }] }),
    );
    expect(named.body.outputs.map((o: { name: string }) => o.name)).toEqual(["label"]);
    const meta = await a.get("/v2/models/penguins");
    expect(meta.body.outputs.map((o: { name: string }) => o.name)).toContain("prediction_id");
  });

  it("reveal no feature value: two different penguins predicted the same carry the same fields", async () => {
    const ids = new PredictionIds(readFileSync(testSecretFiles().predictionIdKey).subarray(0, 64));
    const [p, q] = await predictV1([withoutSex(ADELIE_V1), { ...withoutSex(ADELIE_V1), bill_length_mm: 38 }]);
    const claims = [p, q].map((x) => ids.verify(x?.prediction_id as string));
    expect(claims[0]).toBeDefined();
    const { key: _k1, ...first } = claims[0] as object as Record<string, unknown>;
    const { key: _k2, ...second } = claims[1] as object as Record<string, unknown>;
    expect(first).toEqual(second);
  });
});

describe("feedback", () => {
  it("joins labels sent to another replica into the confusion matrix, exactly, each id once", async () => {
    const [adelie, gentoo] = await predictV1([withoutSex(ADELIE_V1), withoutSex(GENTOO_V1)]);
    expect([adelie?.label, gentoo?.label]).toEqual(["Adelie", "Gentoo"]);
    const before = await metrics.collect();
    const res = await b.post(FEEDBACK, {
      feedback: [
        { prediction_id: adelie?.prediction_id, label: "Adelie" },
        { prediction_id: gentoo?.prediction_id, label: "Chinstrap" },
        { prediction_id: adelie?.prediction_id, label: "Adelie" },
      ],
    });
    expect(res).toMatchObject({
      status: 200,
      body: { accepted: 2, rejected: [{ index: 2, reason: "duplicate" }] },
    });
    const after = await metrics.collect();
    expect(confusion(after, "Adelie", "Adelie") - confusion(before, "Adelie", "Adelie")).toBe(1);
    expect(confusion(after, "Gentoo", "Chinstrap") - confusion(before, "Gentoo", "Chinstrap")).toBe(1);
    expect(rejected(after, "duplicate") - rejected(before, "duplicate")).toBe(1);
    const delays = (points: Point[]) =>
      total(points, METRICS.feedbackDelay.name, { [ATTR.model]: "penguins", [ATTR.version]: "2" });
    expect(delays(after) - delays(before)).toBe(2);
  });

  it("rejects each bad item with its reason and counts the rest", async () => {
    const [p] = await predictV1([withoutSex(ADELIE_V1)]);
    const id = p?.prediction_id as string;
    const key = readFileSync(testSecretFiles().predictionIdKey).subarray(0, 64);
    const [old] = new PredictionIds(key, () => Date.now() - 7_200_000).issue("penguins", "2", [
      { kind: "class", index: 0 },
    ]);
    const [forged] = new PredictionIds(Buffer.alloc(32, 1)).issue("penguins", "2", [
      { kind: "class", index: 0 },
    ]);
    const before = await metrics.collect();
    const res = await b.post(FEEDBACK, {
      feedback: [
        { prediction_id: forged, label: "Adelie" },
        { prediction_id: "garbage", label: "Adelie" },
        { prediction_id: id, label: "Emperor" },
        { prediction_id: old, label: "Adelie" },
        { prediction_id: id, label: "Adelie" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accepted: 1,
      rejected: [
        { index: 0, reason: "unknown_id" },
        { index: 1, reason: "unknown_id" },
        { index: 2, reason: "unknown_class" },
        { index: 3, reason: "too_old" },
      ],
    });
    const wrong = await b.post("/v2/models/penguins/versions/1/feedback", {
      feedback: [{ prediction_id: id, label: "Adelie" }],
    });
    expect(wrong.body.rejected).toEqual([{ index: 0, reason: "wrong_model" }]);
    const after = await metrics.collect();
    expect(rejected(after, "unknown_id") - rejected(before, "unknown_id")).toBe(2);
    expect(rejected(after, "wrong_model") - rejected(before, "wrong_model")).toBe(1);
  });

  it("answers malformed bodies with 4xx and unknown models with 404", async () => {
    const item = { prediction_id: "x", label: "Adelie" };
    for (const body of [
      {},
      { feedback: [] },
      { feedback: [{ label: "Adelie" }] },
      { feedback: [item], x: 1 },
    ]) {
      expect((await b.post(FEEDBACK, body)).status).toBe(400);
    }
    expect((await b.post(FEEDBACK, { feedback: Array(6).fill(item) })).status).toBe(400);
    expect((await b.post(FEEDBACK, "{")).status).toBe(400);
    expect((await b.post("/v2/models/zebra/feedback", { feedback: [item] })).status).toBe(404);
    expect((await b.post("/v2/models/penguins/versions/9/feedback", { feedback: [item] })).status).toBe(404);
  });
});

describe("control token", () => {
  it("guards feedback, load and unload: 401 without, 403 wrong, counted by reason; the rest stays open", async () => {
    const before = await metrics.collect();
    const body = { feedback: [{ prediction_id: "x", label: "Adelie" }] };
    const none = await b.post(FEEDBACK, body, { authorization: "" });
    const wrong = await b.post(FEEDBACK, body, { authorization: "Bearer not-the-token" });
    const load = await b.post("/v2/repository/models/penguins/load", {}, { authorization: "" });
    const unload = await b.post("/v2/repository/models/penguins/unload", {}, { authorization: "Basic eDp5" });
    expect([none.status, wrong.status, load.status, unload.status]).toEqual([401, 403, 401, 401]);
    expect(none.body.error).toMatch(/Bearer/);
    const after = await metrics.collect();
    const failures = (points: Point[], reason: string) =>
      total(points, METRICS.controlAuthFailures.name, { [ATTR.authReason]: reason });
    expect(failures(after, "missing") - failures(before, "missing")).toBe(3);
    expect(failures(after, "wrong") - failures(before, "wrong")).toBe(1);
    expect((await b.post(V1, { instances: [withoutSex(ADELIE_V1)] }, { authorization: "" })).status).toBe(
      200,
    );
    expect((await b.post("/v2/repository/index", {}, { authorization: "" })).status).toBe(200);
    expect((await b.get("/v2/models/penguins")).status).toBe(200);
  });

  it("is off only when INFERWATCH_CONTROL_AUTH=off says so; required without a token file fails to start", async () => {
    await expect(startTestApi({ INFERWATCH_CONTROL_TOKEN_FILE: "" })).rejects.toThrow(
      /INFERWATCH_CONTROL_TOKEN_FILE is required/,
    );
    const open = await startTestApi({ INFERWATCH_CONTROL_AUTH: "off", INFERWATCH_CONTROL_TOKEN_FILE: "" });
    try {
      const res = await open.post("/v2/repository/models/penguins/load", {}, { authorization: "" });
      expect(res.status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
