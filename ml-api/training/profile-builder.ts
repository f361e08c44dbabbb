/**
 * Builds the monitoring profile (`profile.json`) from generic rows, so the penguins training and a user's
 * own CSV ("bring your own model") produce it the same way.
 */

import { CONFIDENCE_BUCKETS } from "../../contract/histogram-buckets.js";
import { binIndex } from "../src/inference/bin-index.js";
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  ModelProfile,
  NumericDistribution,
  NumericFeatureProfile,
} from "../src/inference/profile.js";
import { DataError } from "./data-error.js";
import type { FeatureSpec, Row } from "./feature-spec.js";
import { mean, populationStd, quantile } from "./stats.js";

const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Profiles every feature over `rows`, in the order of `specs` (the model's signature order). */
export function profileFeatures(rows: readonly Row[], specs: readonly FeatureSpec[]): FeatureProfile[] {
  if (rows.length === 0) throw new DataError("cannot profile an empty table");
  return specs.map((spec) =>
    spec.type === "numeric"
      ? profileNumeric(rows, spec.name)
      : profileCategorical(rows, spec.name, spec.categories),
  );
}

function profileNumeric(rows: readonly Row[], name: string): NumericFeatureProfile {
  const present: number[] = [];
  rows.forEach((row, i) => {
    const value = row[name] ?? null;
    if (value === null || (typeof value === "number" && Number.isNaN(value))) return;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new DataError(`numeric feature "${name}" has ${JSON.stringify(value)} in row ${i + 1}`);
    }
    present.push(value);
  });
  if (present.length === 0) throw new DataError(`numeric feature "${name}" has no values`);
  const distribution = numericDistribution(present);
  return {
    name,
    type: "numeric",
    ...distribution,
    imputeValue: quantile(
      [...present].sort((a, b) => a - b),
      0.5,
    ),
    missingShare: (rows.length - present.length) / rows.length,
  };
}

/** Range, decile edges, bin shares, mean and std of finite values: a feature's or a regressor's baseline. */
export function numericDistribution(values: readonly number[]): NumericDistribution {
  if (values.length === 0) throw new DataError("cannot profile an empty column");
  const sorted = [...values].sort((a, b) => a - b);
  const decileEdges = DECILES.map((p) => quantile(sorted, p));
  const binCounts = new Array<number>(decileEdges.length + 1).fill(0);
  for (const value of sorted) {
    const bin = binIndex(value, decileEdges);
    binCounts[bin] = (binCounts[bin] ?? 0) + 1;
  }
  return {
    validRange: { min: sorted[0] as number, max: sorted[sorted.length - 1] as number },
    decileEdges,
    binShares: binCounts.map((count) => count / sorted.length),
    mean: mean(sorted),
    std: populationStd(sorted),
  };
}

function profileCategorical(
  rows: readonly Row[],
  name: string,
  declared: readonly string[] | undefined,
): CategoricalFeatureProfile {
  const counts = new Map<string, number>();
  let present = 0;
  rows.forEach((row, i) => {
    const value = row[name] ?? null;
    if (value === null) return;
    if (typeof value !== "string") {
      throw new DataError(`categorical feature "${name}" has ${JSON.stringify(value)} in row ${i + 1}`);
    }
    if (declared && !declared.includes(value)) {
      throw new DataError(
        `categorical feature "${name}" has "${value}" in row ${i + 1}, not one of its categories`,
      );
    }
    counts.set(value, (counts.get(value) ?? 0) + 1);
    present++;
  });
  const categories = declared ? [...declared] : sortedDistinct(counts.keys());
  const shares: Record<string, number> = {};
  for (const category of categories)
    shares[category] = present === 0 ? 0 : (counts.get(category) ?? 0) / present;
  return {
    name,
    type: "categorical",
    categories,
    shares,
    missingShare: (rows.length - present) / rows.length,
  };
}

/** Code-unit order rather than localeCompare, so the one-hot column order does not depend on the machine's locale. */
export function sortedDistinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Top-1 confidences as cumulative shares at the same bounds the live confidence histogram uses. */
export function profileConfidence(
  topConfidences: readonly number[],
): NonNullable<ModelProfile["confidence"]> {
  if (topConfidences.length === 0) throw new DataError("cannot profile confidence without predictions");
  const upperBounds = [...CONFIDENCE_BUCKETS];
  return {
    upperBounds,
    cumulativeShares: upperBounds.map(
      (bound) => topConfidences.filter((c) => c <= bound).length / topConfidences.length,
    ),
    mean: mean(topConfidences),
  };
}

export interface ProfileInput {
  rows: readonly Row[];
  features: FeatureProfile[];
  label: string;
  /** Output classes in the order of the model's probability columns. */
  classes: string[];
  /** The model's top-1 confidence on each row, in row order. */
  topConfidences: readonly number[];
}

export function buildProfile(input: ProfileInput): ModelProfile & Required<Pick<ModelProfile, "confidence">> {
  const counts = new Map<string, number>(input.classes.map((c) => [c, 0]));
  input.rows.forEach((row, i) => {
    const value = row[input.label] ?? null;
    if (typeof value !== "string" || !counts.has(value)) {
      throw new DataError(
        `label "${input.label}" has ${JSON.stringify(value)} in row ${i + 1}, not one of ${input.classes.join(", ")}`,
      );
    }
    counts.set(value, (counts.get(value) ?? 0) + 1);
  });
  const classShares: Record<string, number> = {};
  for (const [label, count] of counts) classShares[label] = count / input.rows.length;
  return {
    schemaVersion: 1,
    features: input.features,
    classes: input.classes,
    classShares,
    confidence: profileConfidence(input.topConfidences),
    trainingRows: input.rows.length,
  };
}
