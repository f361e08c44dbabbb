import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS, type MetricSpec } from "../../contract/metric-catalogue.js";
import type { ModelCard } from "../../ml-api/src/inference/model-card.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";
import { runModelCommand } from "../../ml-api/training/model-command.js";
import {
  addArgs,
  close,
  csvRows,
  EXPORTED,
  type Fixture,
  HELDOUT_CSV,
  type Instance,
  REFERENCES,
  type Reference,
} from "../support/exported-models.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

/**
 * Models as scikit-learn, onnxmltools and PyTorch export them, each added with `npm run model -- add` and
 * served over both protocols: every answer must equal what the library itself gave on the same rows.
 */

let repository: string;
let api: TestApi;
let metrics: TestMetrics;
/** Added while the API runs, to show a load without a restart. */
const LATE = EXPORTED.find((f) => f.name === "torch-mlp") as Fixture;

beforeAll(async () => {
  repository = mkdtempSync(join(tmpdir(), "inferwatch-exported-"));
  for (const fixture of EXPORTED.filter((f) => f !== LATE))
    await runModelCommand(addArgs(fixture, repository));
  metrics = testMetrics();
  api = await startTestApi({ MODEL_REPOSITORY: repository, DRIFT_MIN_SAMPLES: "100" }, metrics);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  rmSync(repository, { recursive: true, force: true });
});

const reference = (f: Fixture) => REFERENCES[f.name] as Reference;
const featureNames = (f: Fixture) => Object.keys(reference(f).rows[0] as Instance);

function expectClassification(
  ref: Reference,
  labels: string[],
  probabilities: number[][],
  classes: readonly string[],
): void {
  expect(labels).toEqual(ref.labels);
  const want = ref.probabilities as number[][];
  expect(probabilities.length).toBe(want.length);
  const far = probabilities.flatMap((row, r) =>
    row
      .map((p, c) => [r, classes[c], p, want[r]?.[c] as number] as const)
      .filter(([, , p, w]) => !close(p, w)),
  );
  expect(far).toEqual([]);
}

function expectValues(ref: Reference, values: number[]): void {
  const want = ref.values as number[];
  expect(values.length).toBe(want.length);
  expect(
    values.map((v, i) => [i, v, want[i]]).filter(([, v, w]) => !close(v as number, w as number)),
  ).toEqual([]);
}

/** The V2 request for a fixture's reference rows, in the tensors its metadata describes. */
function v2Request(
  metadata: { inputs: { name: string; datatype: string; shape: number[] }[] },
  rows: Instance[],
) {
  return {
    inputs: metadata.inputs.map((input) => {
      const width = input.shape[1] ?? 1;
      const columns = width > 1 ? Object.keys(rows[0] as Instance) : [input.name];
      const data = rows.flatMap((row) => columns.map((c) => row[c] ?? null));
      return {
        name: input.name,
        datatype: input.datatype,
        shape: input.shape.length === 2 ? [rows.length, width] : [rows.length],
        data,
      };
    }),
  };
}

describe("exported models added with npm run model -- add", () => {
  it("infers each model's task, score kind and classes, and records its producer and quality", () => {
    for (const fixture of EXPORTED.filter((f) => f !== LATE)) {
      const dir = join(repository, fixture.name, "1");
      const card = JSON.parse(readFileSync(join(dir, "card.json"), "utf8")) as ModelCard;
      const profile = JSON.parse(readFileSync(join(dir, "profile.json"), "utf8")) as ModelProfile;
      expect(card.signature).toEqual({
        task: fixture.task,
        inputs: "graph",
        ...(fixture.scores ? { scores: fixture.scores } : {}),
      });
      expect(card.onnx.producer?.name).toMatch(/skl2onnx|onnxmltools|pytorch/);
      expect(card.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(profile.features.map((f) => f.name)).toEqual(featureNames(fixture));
      if (fixture.task === "regression") {
        expect(card.quality).toMatchObject({ task: "regression", rows: csvRows(HELDOUT_CSV) });
        expect(profile.predictedValue?.decileEdges).toHaveLength(9);
        expect(profile.classes).toEqual([]);
      } else {
        expect(profile.classes).toEqual(reference(fixture).classes);
        expect(card.quality).toMatchObject({ task: "classification" });
        if (card.quality?.task === "classification") expect(card.quality.accuracy).toBeGreaterThan(0.9);
      }
    }
  });

  it("serves a model added while the API runs after a repository load, without a restart", async () => {
    expect((await api.get(`/v2/models/${LATE.name}`)).status).toBe(404);
    await runModelCommand(addArgs(LATE, repository));
    expect((await api.post(`/v2/repository/models/${LATE.name}/load`, {})).status).toBe(200);
    expect((await api.get(`/v2/models/${LATE.name}/ready`)).status).toBe(200);
  });

  describe.each(EXPORTED)("$name", (fixture) => {
    const ref = () => reference(fixture);

    it("answers V1 instances keyed by feature name as the library did", async () => {
      const res = await api.post(`/v1/models/${fixture.name}:predict`, { instances: ref().rows });
      expect(res.status).toBe(200);
      const predictions = res.body.predictions as Record<string, unknown>[];
      if (fixture.task === "regression") {
        expectValues(
          ref(),
          predictions.map((p) => p.value as number),
        );
        return;
      }
      const classes = ref().classes as string[];
      expectClassification(
        ref(),
        predictions.map((p) => p.label as string),
        predictions.map((p) => classes.map((c) => (p.probabilities as Record<string, number>)[c] as number)),
        classes,
      );
    });

    it("answers V1 array instances in feature order as the library did", async () => {
      const names = featureNames(fixture);
      const rows = ref().rows.map((row) => names.map((n) => row[n] ?? null));
      const res = await api.post(`/v1/models/${fixture.name}:predict`, { instances: rows });
      expect(res.status).toBe(200);
      const first = res.body.predictions[0];
      if (fixture.task === "regression") expect(close(first.value, ref().values?.[0] as number)).toBe(true);
      else expect(first.label).toBe(ref().labels?.[0]);
    });

    it("describes its real inputs and outputs in the V2 metadata and answers V2 as the library did", async () => {
      const metadata = await api.get(`/v2/models/${fixture.name}`);
      expect(metadata.status).toBe(200);
      const outputs = metadata.body.outputs.map((o: { name: string }) => o.name);
      expect(outputs).toEqual(
        fixture.task === "regression"
          ? ["value", "prediction_id"]
          : ["label", "probabilities", "prediction_id"],
      );
      const res = await api.post(`/v2/models/${fixture.name}/infer`, v2Request(metadata.body, ref().rows));
      expect(res.status).toBe(200);
      const byName = Object.fromEntries(res.body.outputs.map((o: { name: string }) => [o.name, o]));
      if (fixture.task === "regression") {
        expect(byName.value.shape).toEqual([ref().rows.length]);
        expectValues(ref(), byName.value.data);
        return;
      }
      const classes = ref().classes as string[];
      const flat = byName.probabilities.data as number[];
      const rows = ref().rows.map((_, r) => flat.slice(r * classes.length, (r + 1) * classes.length));
      expectClassification(ref(), byName.label.data, rows, classes);
    });
  });

  it("describes a [N, D] input as one tensor and per-column inputs as one tensor each", async () => {
    const forest = await api.get("/v2/models/rf-zipmap");
    expect(forest.body.inputs).toEqual([{ name: "float_input", datatype: "FP32", shape: [-1, 4] }]);
    const pipeline = await api.get("/v2/models/pipeline");
    expect(pipeline.body.inputs).toEqual([
      { name: "bill_length_mm", datatype: "FP32", shape: [-1, 1] },
      { name: "flipper_length_mm", datatype: "FP32", shape: [-1, 1] },
      { name: "island", datatype: "BYTES", shape: [-1, 1] },
      { name: "sex", datatype: "BYTES", shape: [-1, 1] },
    ]);
  });

  it("refuses a matrix of the wrong width with a 400 naming the tensor", async () => {
    const res = await api.post("/v2/models/rf-zipmap/infer", {
      inputs: [{ name: "float_input", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('inputs["float_input"]: shape must be [N, 4]');
  });

  it("marks a version the graph does not fit UNAVAILABLE, with the reason naming the output, and failed", async () => {
    const to = join(repository, "rf-zipmap", "2");
    cpSync(join(repository, "rf-zipmap", "1"), to, { recursive: true });
    const profile = JSON.parse(readFileSync(join(to, "profile.json"), "utf8")) as ModelProfile;
    writeFileSync(join(to, "profile.json"), JSON.stringify({ ...profile, classes: ["Adelie", "Gentoo"] }));
    const load = await api.post("/v2/repository/models/rf-zipmap/load", { parameters: { version: "2" } });
    expect(load.status).toBe(500);
    const index = await api.post("/v2/repository/index", {});
    const entry = index.body.find(
      (e: { name: string; version: string }) => e.name === "rf-zipmap" && e.version === "2",
    );
    expect(entry.state).toBe("UNAVAILABLE");
    expect(entry.reason).toContain(
      "labels its classes [Adelie, Chinstrap, Gentoo] but the profile lists [Adelie, Gentoo]",
    );
    const failed = (await metrics.collect()).find(
      (p) =>
        p.name === METRICS.modelState.name &&
        p.attributes[ATTR.model] === "rf-zipmap" &&
        p.attributes[ATTR.version] === "2" &&
        p.attributes[ATTR.state] === "failed",
    );
    expect(failed?.value).toBe(1);
    // Version 1 still serves.
    expect(
      (
        await api.post("/v1/models/rf-zipmap:predict", {
          instances: [reference(EXPORTED[0] as Fixture).rows[0]],
        })
      ).status,
    ).toBe(200);
  });

  it("gives a regressor value metrics against its training predictions, and no class metrics", async () => {
    const regressor = EXPORTED.find((f) => f.task === "regression") as Fixture;
    const model = { [ATTR.model]: regressor.name, [ATTR.version]: "1" };
    const before = await metrics.collect();
    const rows = reference(regressor).rows;
    for (let i = 0; i < 2; i++) {
      expect((await api.post(`/v1/models/${regressor.name}:predict`, { instances: rows })).status).toBe(200);
    }
    const points = await metrics.collect();
    const sent = 2 * rows.length;
    const grew = (spec: MetricSpec) => total(points, spec.name, model) - total(before, spec.name, model);
    expect(grew(METRICS.predictedValue)).toBe(sent);
    expect(grew(METRICS.predictionBinValues)).toBe(sent);
    const baseline = points.filter(
      (p) => p.name === METRICS.predictionBinBaseline.name && p.attributes[ATTR.model] === regressor.name,
    );
    expect(baseline.map((p) => p.attributes[ATTR.predictionBin])).toEqual([
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
    expect(baseline.reduce((sum, p) => sum + p.value, 0)).toBeCloseTo(1, 6);
    // Held-out rows are predicted much as the training rows were: no prediction drift.
    const psi = points.find(
      (p) => p.name === METRICS.predictionPsi.name && p.attributes[ATTR.model] === regressor.name,
    );
    expect(psi?.value).toBeLessThan(0.2);
    const classOnly = Object.values(METRICS).filter((m: MetricSpec) => m.task === "classification");
    expect(
      points.filter(
        (p) => p.attributes[ATTR.model] === regressor.name && classOnly.some((m) => m.name === p.name),
      ),
    ).toEqual([]);
    const valueOnly = Object.values(METRICS).filter((m: MetricSpec) => m.task === "regression");
    expect(
      points.filter(
        (p) => p.attributes[ATTR.model] !== regressor.name && valueOnly.some((m) => m.name === p.name),
      ),
    ).toEqual([]);
  });

  it("joins a regressor's true values into its absolute and squared errors; a value that is no number is rejected", async () => {
    const regressor = EXPORTED.find((f) => f.task === "regression") as Fixture;
    const model = { [ATTR.model]: regressor.name, [ATTR.version]: "1" };
    const rows = reference(regressor).rows.slice(0, 3);
    const res = await api.post(`/v1/models/${regressor.name}:predict`, { instances: rows });
    const [a, b, c] = res.body.predictions as { value: number; prediction_id: string }[];
    const before = await metrics.collect();
    const feedback = await api.post(`/v2/models/${regressor.name}/versions/1/feedback`, {
      feedback: [
        { prediction_id: a?.prediction_id, value: (a?.value as number) + 10 },
        { prediction_id: b?.prediction_id, value: (b?.value as number) - 20 },
        { prediction_id: c?.prediction_id, value: "heavy" },
        { prediction_id: c?.prediction_id, label: "heavy" },
      ],
    });
    expect(feedback.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 2, reason: "not_a_number" },
        { index: 3, reason: "not_a_number" },
      ],
    });
    const after = await metrics.collect();
    const grew = (spec: MetricSpec, field?: "sum") =>
      total(after, spec.name, model, field) - total(before, spec.name, model, field);
    expect(grew(METRICS.feedbackAbsoluteError)).toBe(2);
    // float32 predictions: the errors are 10 and 20 to within their rounding.
    expect(grew(METRICS.feedbackAbsoluteError, "sum")).toBeCloseTo(30, 3);
    expect(grew(METRICS.feedbackSquaredError)).toBeCloseTo(500, 2);
  });
});
