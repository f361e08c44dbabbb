import type { ModelProfile } from "./profile.js";

/** One feature value after validation: a number, a category, or null for a missing value. */
export type FeatureValue = number | string | null;
/** One instance, its values in the profile's feature order. */
export type Row = readonly FeatureValue[];

/**
 * Pre-processing: rows into the model's input matrix. Numeric features go in raw (NaN when missing; the
 * graph imputes and scales), then one one-hot block per categorical feature (all zeros when missing or
 * unseen, which the model was trained to treat as "unknown").
 */
export class FeatureEncoder {
  readonly columns: number;
  private readonly numericIndexes: number[] = [];
  private readonly categorical: { index: number; offset: number; columns: Map<string, number> }[] = [];

  constructor(profile: ModelProfile) {
    profile.features.forEach((f, i) => {
      if (f.type === "numeric") this.numericIndexes.push(i);
    });
    let offset = this.numericIndexes.length;
    profile.features.forEach((f, i) => {
      if (f.type !== "categorical") return;
      this.categorical.push({ index: i, offset, columns: new Map(f.categories.map((c, j) => [c, j])) });
      offset += f.categories.length;
    });
    this.columns = offset;
  }

  encode(rows: readonly Row[]): Float32Array {
    const out = new Float32Array(rows.length * this.columns);
    rows.forEach((row, r) => {
      const base = r * this.columns;
      this.numericIndexes.forEach((featureIndex, c) => {
        const value = row[featureIndex];
        out[base + c] = typeof value === "number" ? value : Number.NaN;
      });
      for (const { index, offset, columns } of this.categorical) {
        const value = row[index];
        const column = typeof value === "string" ? columns.get(value) : undefined;
        if (column !== undefined) out[base + offset + column] = 1;
      }
    });
    return out;
  }
}
