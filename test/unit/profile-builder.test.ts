import { describe, expect, it } from "vitest";
import { CONFIDENCE_BUCKETS } from "../../contract/histogram-buckets.js";
import type { CategoricalFeatureProfile, NumericFeatureProfile } from "../../ml-api/src/inference/profile.js";
import { DataError } from "../../ml-api/training/data-error.js";
import type { Row } from "../../ml-api/training/feature-spec.js";
import { buildProfile, profileConfidence, profileFeatures } from "../../ml-api/training/profile-builder.js";

// Ten present values 1..10 plus one missing, and a categorical with one missing.
const rows: Row[] = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x, i) => ({
    x,
    colour: i < 6 ? "red" : "blue",
    y: i < 4 ? "no" : "yes",
  })),
  { x: null, colour: null, y: "yes" },
];

function numeric(): NumericFeatureProfile {
  return profileFeatures(rows, [{ name: "x", type: "numeric" }])[0] as NumericFeatureProfile;
}

describe("numeric feature profile", () => {
  it("puts one of ten evenly spread values in each decile bin", () => {
    const { decileEdges } = numeric();
    expect(decileEdges).toHaveLength(9);
    const present = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const bounds = [Number.NEGATIVE_INFINITY, ...decileEdges, Number.POSITIVE_INFINITY];
    for (let bin = 0; bin < 10; bin++) {
      const inBin = present.filter((v) => v > (bounds[bin] as number) && v <= (bounds[bin + 1] as number));
      expect(inBin).toEqual([bin + 1]);
    }
    expect(decileEdges[0]).toBeCloseTo(1.9, 12);
    expect(decileEdges[8]).toBeCloseTo(9.1, 12);
  });

  it("records the training share of each bin, the baseline for live PSI", () => {
    expect(numeric().binShares).toEqual(Array(10).fill(0.1));
  });

  it("describes only present values and counts missing ones", () => {
    const profile = numeric();
    expect(profile.validRange).toEqual({ min: 1, max: 10 });
    expect(profile.mean).toBeCloseTo(5.5, 12);
    expect(profile.std).toBeCloseTo(Math.sqrt(8.25), 12);
    expect(profile.imputeValue).toBe(5.5);
    expect(profile.missingShare).toBeCloseTo(1 / 11, 12);
  });

  it("rejects text in a numeric column, naming the row", () => {
    expect(() => profileFeatures([{ x: 1 }, { x: "oops" }], [{ name: "x", type: "numeric" }])).toThrow(
      /"x" has "oops" in row 2/,
    );
  });
});

describe("categorical feature profile", () => {
  it("shares categories among present values, sorted, and counts missing ones", () => {
    const profile = profileFeatures(rows, [
      { name: "colour", type: "categorical" },
    ])[0] as CategoricalFeatureProfile;
    expect(profile.categories).toEqual(["blue", "red"]);
    expect(profile.shares).toEqual({ blue: 0.4, red: 0.6 });
    expect(profile.missingShare).toBeCloseTo(1 / 11, 12);
  });

  it("keeps a declared category order and gives unseen declared categories a zero share", () => {
    const profile = profileFeatures(rows, [
      { name: "colour", type: "categorical", categories: ["red", "green", "blue"] },
    ])[0] as CategoricalFeatureProfile;
    expect(profile.categories).toEqual(["red", "green", "blue"]);
    expect(profile.shares).toEqual({ red: 0.6, green: 0, blue: 0.4 });
  });

  it("rejects a value outside the declared categories", () => {
    expect(() =>
      profileFeatures(rows, [{ name: "colour", type: "categorical", categories: ["red"] }]),
    ).toThrow(DataError);
  });
});

describe("model profile", () => {
  it("records class shares, training rows and confidence at the live histogram's bounds", () => {
    const features = profileFeatures(rows, [{ name: "x", type: "numeric" }]);
    const topConfidences = rows.map((_, i) => (i < 3 ? 0.45 : i < 8 ? 0.85 : 1));
    const profile = buildProfile({ rows, features, label: "y", classes: ["no", "yes"], topConfidences });
    expect(profile.classShares).toEqual({ no: 4 / 11, yes: 7 / 11 });
    expect(profile.trainingRows).toBe(11);
    expect(profile.confidence.upperBounds).toEqual([...CONFIDENCE_BUCKETS]);
    const shareAt = (bound: number) =>
      profile.confidence.cumulativeShares[profile.confidence.upperBounds.indexOf(bound)];
    expect(shareAt(0.4)).toBe(0);
    expect(shareAt(0.5)).toBeCloseTo(3 / 11, 12);
    expect(shareAt(0.9)).toBeCloseTo(8 / 11, 12);
    expect(shareAt(1)).toBe(1);
  });

  it("counts a confidence equal to a bound in that bound's bucket, as histograms do", () => {
    expect(profileConfidence([0.5, 0.5]).cumulativeShares[1]).toBe(1);
  });

  it("rejects a label that is not one of the classes", () => {
    const features = profileFeatures(rows, [{ name: "x", type: "numeric" }]);
    expect(() =>
      buildProfile({ rows, features, label: "y", classes: ["no"], topConfidences: rows.map(() => 1) }),
    ).toThrow(/label "y" has "yes" in row 5/);
  });
});
