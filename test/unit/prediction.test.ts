import { describe, expect, it } from "vitest";
import { readOutput, toPredictions } from "../../ml-api/src/inference/prediction.js";

describe("post-processing", () => {
  it("labels each row with its most probable class, its confidence and the margin over the runner-up", () => {
    const probabilities = Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.2, 0.2, 0.6]);
    const predictions = toPredictions(probabilities, ["a", "b", "c"]);
    expect(predictions.map((p) => p.label)).toEqual(["b", "a", "c"]);
    expect(predictions[0]?.confidence).toBeCloseTo(0.7);
    expect(predictions[0]?.margin).toBeCloseTo(0.5);
    expect(predictions[1]?.margin).toBeCloseTo(0.2);
    expect(predictions[2]?.margin).toBeCloseTo(0.4);
    expect(predictions[0]?.probabilities).toEqual({
      a: expect.closeTo(0.1),
      b: expect.closeTo(0.7),
      c: expect.closeTo(0.2),
    });
  });

  it("has a margin of zero on a tie and keeps the first class", () => {
    const [p] = toPredictions(Float32Array.from([0.4, 0.4, 0.2]), ["a", "b", "c"]);
    expect(p?.label).toBe("a");
    expect(p?.margin).toBe(0);
  });

  it("applies softmax to logits, row by row, however large", () => {
    const binding = {
      task: "classification",
      name: "logits",
      elementType: "float32",
      scores: "logits",
      singleColumn: false,
    } as const;
    const out = readOutput(binding, Float32Array.from([1000, 1000, 0, 0, Math.log(3), 0]), ["a", "b"]);
    if (out.task !== "classification") throw new Error("not a classification");
    expect(Array.from(out.probabilities)).toEqual([
      0.5,
      0.5,
      0.5,
      0.5,
      expect.closeTo(0.75, 6),
      expect.closeTo(0.25, 6),
    ]);
  });

  it("completes a binary model's single probability column, or its logit through the logistic function", () => {
    const probabilities = {
      task: "classification",
      name: "p",
      elementType: "float64",
      scores: "probabilities",
      singleColumn: true,
    } as const;
    const p = readOutput(probabilities, Float64Array.from([0.9, 0.2]), ["no", "yes"]);
    if (p.task !== "classification") throw new Error("not a classification");
    expect(Array.from(p.probabilities)).toEqual([expect.closeTo(0.1), 0.9, 0.8, 0.2]);
    expect(p.predictions.map((x) => x.label)).toEqual(["yes", "no"]);
    const logit = readOutput({ ...probabilities, scores: "logits" }, Float64Array.from([0]), ["no", "yes"]);
    if (logit.task !== "classification") throw new Error("not a classification");
    expect(Array.from(logit.probabilities)).toEqual([0.5, 0.5]);
  });

  it("passes a regressor's values through", () => {
    const out = readOutput(
      { task: "regression", name: "variable", elementType: "float32" },
      Float32Array.from([1.5, -2]),
      [],
    );
    expect(out).toEqual({ task: "regression", values: Float32Array.from([1.5, -2]) });
  });
});
