import { describe, expect, it } from "vitest";
import { toPredictions } from "../../ml-api/src/inference/prediction.js";

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
});
