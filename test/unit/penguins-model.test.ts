import { readFileSync } from "node:fs";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { predictProbabilities } from "../../ml-api/training/mlp.js";
import { encodeModelInput, inputColumnNames } from "../../ml-api/training/model-input.js";
import {
  MODEL_NAME,
  PENGUINS_VERSIONS,
  type PenguinsVersion,
  trainPenguins,
} from "../../ml-api/training/penguins-training.js";
import { preprocess } from "../../ml-api/training/preprocess.js";

const [v1, v2] = PENGUINS_VERSIONS as [PenguinsVersion, PenguinsVersion];
const modelsDir = new URL("../../ml-api/models/penguins/", import.meta.url);

describe("penguins training", () => {
  it("gives the same model bytes for the same seed, and different bytes for another seed", () => {
    const first = trainPenguins(v1).modelBytes;
    expect(Buffer.from(trainPenguins(v1).modelBytes).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(trainPenguins({ ...v1, seed: 7 }).modelBytes).equals(Buffer.from(first))).toBe(false);
  });

  it.each(PENGUINS_VERSIONS)(
    "committed artefacts of version $version equal a fresh `npm run train`",
    (spec) => {
      const trained = trainPenguins(spec);
      const dir = new URL(`${spec.version}/`, modelsDir);
      expect(Buffer.from(trained.modelBytes).equals(readFileSync(new URL("model.onnx", dir)))).toBe(true);
      expect(readFileSync(new URL("card.json", dir), "utf8")).toBe(
        `${JSON.stringify(trained.card, null, 2)}\n`,
      );
      expect(readFileSync(new URL("profile.json", dir), "utf8")).toBe(
        `${JSON.stringify(trained.profile, null, 2)}\n`,
      );
      expect(readFileSync(new URL("heldout.csv", dir), "utf8")).toBe(trained.heldOutCsv);
    },
  );

  it("versions differ in their inputs: version 2 has no sex columns", () => {
    expect(inputColumnNames(trainPenguins(v1).profile.features)).toEqual([
      "bill_length_mm",
      "bill_depth_mm",
      "flipper_length_mm",
      "body_mass_g",
      "island=Biscoe",
      "island=Dream",
      "island=Torgersen",
      "sex=FEMALE",
      "sex=MALE",
    ]);
    expect(inputColumnNames(trainPenguins(v2).profile.features).some((c) => c.startsWith("sex"))).toBe(false);
  });
});

describe("exported ONNX model", () => {
  it.each(PENGUINS_VERSIONS)(
    "version $version computes what the TypeScript forward pass computes",
    async (spec) => {
      const { modelBytes, profile, mlp, testRows } = trainPenguins(spec);
      // Held-out rows, plus rows the graph must impute: all numerics missing, and an unseen island.
      const rows = [
        ...testRows,
        {
          island: null,
          sex: null,
          bill_length_mm: null,
          bill_depth_mm: null,
          flipper_length_mm: null,
          body_mass_g: null,
        },
        {
          island: "Anvers",
          sex: "MALE",
          bill_length_mm: 45,
          bill_depth_mm: 15,
          flipper_length_mm: 210,
          body_mass_g: 5000,
        },
      ];
      const input = encodeModelInput(rows, profile.features);
      const reference = predictProbabilities(mlp, preprocess(input, profile.features));

      const session = await ort.InferenceSession.create(modelBytes);
      try {
        const width = input.length / rows.length;
        const result = await session.run({
          features: new ort.Tensor("float32", input, [rows.length, width]),
        });
        const output = result.probabilities as ort.Tensor;
        expect(output.dims).toEqual([rows.length, profile.classes.length]);
        const actual = output.data as Float32Array;
        let maxDiff = 0;
        for (let i = 0; i < reference.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (reference[i] as number)));
        }
        expect(maxDiff).toBeLessThan(1e-5);
      } finally {
        await session.release();
      }
    },
  );

  it("names its producer, model and version", () => {
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(new URL("2/model.onnx", modelsDir)));
    expect(model.producerName).toBe("inferwatch");
    expect(model.docString).toContain("island=Torgersen");
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toEqual({
      name: MODEL_NAME,
      version: "2",
    });
  });
});
