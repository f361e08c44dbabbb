import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS, type MetricSpec } from "../../contract/metric-catalogue.js";
import { loadPenguins } from "../../ml-api/training/penguins-dataset.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type Point, type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

const V1 = "/v1/models/penguins:predict";
const V2_1 = "/v2/models/penguins/versions/1/infer";
const v1v2 = { [ATTR.model]: "penguins", [ATTR.version]: "2" };
const v2v1 = { [ATTR.model]: "penguins", [ATTR.version]: "1" };

let api: TestApi;
let metrics: TestMetrics;
beforeAll(async () => {
  metrics = testMetrics();
  api = await startTestApi({ DRIFT_WINDOW_SIZE: "2000", DRIFT_MIN_SAMPLES: "1000" }, metrics);
});
afterAll(() => api.stop());

/** Penguins from the training data set, sampled with a fixed generator, as V1 instances of version 2. */
function penguins(count: number, shift: Record<string, number> = {}) {
  const rows = loadPenguins().rows.filter((r) => r.bill_length_mm !== null && r.island !== null);
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const r = rows[Math.floor(next() * rows.length)] as Record<string, number | string | null>;
    const instance: Record<string, number | string | null> = {};
    for (const f of ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island"]) {
      instance[f] = typeof r[f] === "number" ? (r[f] as number) + (shift[f] ?? 0) : (r[f] ?? null);
    }
    return instance;
  });
}

async function sendInBatches(instances: Record<string, unknown>[], batch = 100) {
  for (let i = 0; i < instances.length; i += batch) {
    const res = await api.post(V1, { instances: instances.slice(i, i + batch) });
    expect(res.status).toBe(200);
  }
}

const psiOf = (points: Point[], feature: string) =>
  points.find((p) => p.name === METRICS.psi.name && p.attributes[ATTR.feature] === feature)?.value;

describe("model metrics", () => {
  it("counts every inference exactly once, by model, version and outcome", async () => {
    const before = await metrics.collect();
    const count = (points: Point[], attrs: Record<string, string>, outcome: string) =>
      total(points, METRICS.inferenceDuration.name, { ...attrs, [ATTR.outcome]: outcome });
    for (let i = 0; i < 7; i++)
      await api.post(V1, { instances: [withoutSex(ADELIE_V1), withoutSex(GENTOO_V1)] });
    for (let i = 0; i < 5; i++) await api.post(V2_1, v2Body([ADELIE_V1]));
    for (let i = 0; i < 3; i++) await api.post(V1, { instances: [{ bill_length_mm: "x" }] });
    await api.post("/v2/models/zebra/infer", v2Body([ADELIE_V1]));
    await api.post("/v2/models/penguins/versions/9/infer", v2Body([ADELIE_V1]));
    await api.post("/v2/repository/models/penguins/unload", { parameters: { version: "1" } });
    for (let i = 0; i < 2; i++) await api.post(V2_1, v2Body([ADELIE_V1]));
    await api.post("/v2/repository/models/penguins/load", { parameters: { version: "1" } });
    const after = await metrics.collect();
    const delta = (attrs: Record<string, string>, outcome: string) =>
      count(after, attrs, outcome) - count(before, attrs, outcome);

    expect(delta(v1v2, "success")).toBe(7);
    expect(delta(v2v1, "success")).toBe(5);
    expect(delta(v1v2, "invalid_input")).toBe(3);
    expect(delta(v2v1, "unavailable")).toBe(2);
    expect(
      after.some((p) => p.attributes[ATTR.model] === "zebra" || p.attributes[ATTR.version] === "9"),
    ).toBe(false);
    const rejected = (points: Point[]) =>
      total(points, METRICS.validationErrors.name, { ...v1v2, [ATTR.reason]: "missing_field" });
    expect(rejected(after) - rejected(before)).toBe(3);

    const rows = (points: Point[], field: "value" | "sum") => total(points, METRICS.rows.name, v1v2, field);
    expect(rows(after, "value") - rows(before, "value")).toBe(7);
    expect(rows(after, "sum") - rows(before, "sum")).toBe(14);
    const confidence = (points: Point[]) => total(points, METRICS.confidence.name, v1v2);
    expect(confidence(after) - confidence(before)).toBe(14);
    const predicted = (points: Point[]) => total(points, METRICS.predictions.name, v1v2);
    expect(predicted(after) - predicted(before)).toBe(14);
    for (const phase of ["validation", "preprocess", "run", "postprocess"]) {
      const phases = (points: Point[]) =>
        total(points, METRICS.phaseDuration.name, { ...v2v1, [ATTR.phase]: phase });
      expect(phases(after) - phases(before)).toBe(5);
    }
    expect(total(after, METRICS.active.name)).toBe(0);
    expect(total(after, METRICS.unloads.name, v2v1)).toBe(1);
    expect(total(after, METRICS.loadDuration.name, { ...v2v1, [ATTR.loadOutcome]: "success" })).toBe(2);
    expect(total(after, METRICS.modelState.name, { ...v2v1, [ATTR.state]: "ready" })).toBe(1);
  });

  it("counts missing, out-of-range and unseen values per feature", async () => {
    const before = await metrics.collect();
    await api.post(V1, {
      instances: [
        { ...withoutSex(ADELIE_V1), body_mass_g: null, island: "Atlantis" },
        { ...withoutSex(ADELIE_V1), bill_length_mm: 500, island: null },
      ],
    });
    const after = await metrics.collect();
    const delta = (name: string, feature: string) =>
      total(after, name, { ...v1v2, [ATTR.feature]: feature }) -
      total(before, name, { ...v1v2, [ATTR.feature]: feature });
    expect(delta(METRICS.missing.name, "body_mass_g")).toBe(1);
    expect(delta(METRICS.missing.name, "island")).toBe(1);
    expect(delta(METRICS.unseen.name, "island")).toBe(1);
    expect(delta(METRICS.outOfRange.name, "bill_length_mm")).toBe(1);
    expect(delta(METRICS.outOfRange.name, "bill_depth_mm")).toBe(0);
  });

  it("reports PSI only once the window is full enough; training-like traffic stays below the threshold", async () => {
    expect(psiOf(await metrics.collect(), "bill_length_mm")).toBeUndefined();
    await sendInBatches(penguins(2000));
    const points = await metrics.collect();
    const threshold = total(points, METRICS.psiThreshold.name, v1v2);
    expect(threshold).toBe(0.2);
    for (const feature of ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "island"]) {
      expect(psiOf(points, feature), feature).toBeLessThan(threshold);
    }
    expect(total(points, METRICS.windowSamples.name, { ...v1v2, [ATTR.feature]: "bill_length_mm" })).toBe(
      2000,
    );
  });

  it("pushes a shifted feature's PSI above the threshold and leaves the others below", async () => {
    // Three training standard deviations of bill length (about 5.4 mm each).
    await sendInBatches(penguins(2000, { bill_length_mm: 16 }));
    const points = await metrics.collect();
    expect(psiOf(points, "bill_length_mm")).toBeGreaterThan(0.2);
    for (const feature of ["bill_depth_mm", "flipper_length_mm", "body_mass_g", "island"]) {
      expect(psiOf(points, feature), feature).toBeLessThan(0.2);
    }
    const bins = points.filter(
      (p) =>
        p.name === METRICS.binValues.name &&
        p.attributes[ATTR.feature] === "bill_length_mm" &&
        p.attributes[ATTR.version] === "2",
    );
    expect(bins.map((p) => p.attributes[ATTR.bin])).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
      "10",
    ]);
  });

  it("emits every metric of the catalogue a classifier has, and nothing outside it", async () => {
    // The feedback and control metrics appear with their first event: a label, a forged id, a refused write.
    const [p] = (await api.post(V1, { instances: [withoutSex(ADELIE_V1)] })).body.predictions;
    const feedback = await api.post("/v2/models/penguins/feedback", {
      feedback: [
        { prediction_id: p.prediction_id, label: "Adelie" },
        { prediction_id: "forged", label: "Adelie" },
      ],
    });
    expect(feedback.body.accepted).toBe(1);
    expect((await api.post("/v2/repository/models/penguins/load", {}, { authorization: "" })).status).toBe(
      401,
    );
    const names = new Set((await metrics.collect()).map((p) => p.name));
    expect([...names].sort()).toEqual(
      Object.values(METRICS)
        .filter((m: MetricSpec) => m.task !== "regression")
        .map((m) => m.name)
        .sort(),
    );
  });
});
