/**
 * The model input contract shared by every inferwatch model: one float32 matrix named `features` whose
 * columns are the numeric features in profile order as raw values (NaN when missing; the graph imputes),
 * then one one-hot block per categorical feature in the order of its `categories` (all zeros when missing
 * or unseen).
 */
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
} from "../src/inference/profile.js";
import type { Row } from "./feature-spec.js";

export const INPUT_NAME = "features";
export const OUTPUT_NAME = "probabilities";

export function numericFeatures(features: readonly FeatureProfile[]): NumericFeatureProfile[] {
  return features.filter((f): f is NumericFeatureProfile => f.type === "numeric");
}

export function categoricalFeatures(features: readonly FeatureProfile[]): CategoricalFeatureProfile[] {
  return features.filter((f): f is CategoricalFeatureProfile => f.type === "categorical");
}

export function inputColumnCount(features: readonly FeatureProfile[]): number {
  return categoricalFeatures(features).reduce(
    (n, f) => n + f.categories.length,
    numericFeatures(features).length,
  );
}

/** Column names in input order, e.g. `island=Biscoe` for a one-hot column; for cards, docs and errors. */
export function inputColumnNames(features: readonly FeatureProfile[]): string[] {
  return [
    ...numericFeatures(features).map((f) => f.name),
    ...categoricalFeatures(features).flatMap((f) => f.categories.map((c) => `${f.name}=${c}`)),
  ];
}

/** Encodes `rows` as a row-major [rows.length, inputColumnCount] matrix. */
export function encodeModelInput(rows: readonly Row[], features: readonly FeatureProfile[]): Float32Array {
  const numeric = numericFeatures(features);
  const categorical = categoricalFeatures(features);
  const width = inputColumnCount(features);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    let column = r * width;
    for (const f of numeric) {
      const value = row[f.name];
      out[column++] = typeof value === "number" ? value : Number.NaN;
    }
    for (const f of categorical) {
      const value = row[f.name];
      const hot = typeof value === "string" ? f.categories.indexOf(value) : -1;
      if (hot >= 0) out[column + hot] = 1;
      column += f.categories.length;
    }
  });
  return out;
}
