import { describe, expect, it } from "vitest";
import { FeatureEncoder } from "../../ml-api/src/inference/feature-encoder.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";

const profile = {
  features: [
    { name: "island", type: "categorical", categories: ["Biscoe", "Dream"] },
    { name: "mass", type: "numeric" },
    { name: "sex", type: "categorical", categories: ["F", "M"] },
    { name: "bill", type: "numeric" },
  ],
} as unknown as ModelProfile;

describe("pre-processing", () => {
  it("puts numeric features first, raw, then one one-hot block per category feature", () => {
    const encoder = new FeatureEncoder(profile);
    expect(encoder.columns).toBe(6);
    expect(Array.from(encoder.encode([["Dream", 4200, "M", 39.5]]))).toEqual([4200, 39.5, 0, 1, 0, 1]);
  });

  it("encodes a missing number as NaN and a missing or unseen category as all zeros", () => {
    const encoder = new FeatureEncoder(profile);
    const [a, b] = [
      Array.from(encoder.encode([[null, null, "X", 1]])),
      Array.from(encoder.encode([["Biscoe", 1, null, 2]])),
    ];
    expect(a.slice(0, 2).map(Number.isNaN)).toEqual([true, false]);
    expect(a.slice(2)).toEqual([0, 0, 0, 0]);
    expect(b).toEqual([1, 2, 1, 0, 0, 0]);
  });

  it("lays rows out one after another", () => {
    const encoder = new FeatureEncoder(profile);
    const out = encoder.encode([
      ["Biscoe", 1, "F", 2],
      ["Dream", 3, "M", 4],
    ]);
    expect(Array.from(out)).toEqual([1, 2, 1, 0, 1, 0, 3, 4, 0, 1, 0, 1]);
  });
});
