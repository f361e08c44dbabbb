/**
 * The preprocessing the exported graph performs (impute missing numerics with the training median, then
 * standardise), in TypeScript: training feeds the MLP through it, and tests use it as the reference the
 * ONNX graph must match.
 */
import type { FeatureProfile } from "../src/inference/profile.js";
import { DataError } from "./data-error.js";
import { inputColumnCount, numericFeatures } from "./model-input.js";

/** Turns a contract-encoded matrix (see model-input.ts) into the matrix the MLP's first layer sees. */
export function preprocess(input: Float32Array, features: readonly FeatureProfile[]): Float64Array {
  const numeric = numericFeatures(features);
  for (const f of numeric) {
    if (f.std === 0)
      throw new DataError(`numeric feature "${f.name}" is constant and cannot be standardised`);
  }
  const width = inputColumnCount(features);
  const out = Float64Array.from(input);
  for (let start = 0; start < out.length; start += width) {
    numeric.forEach((f, j) => {
      const raw = out[start + j] as number;
      out[start + j] = ((Number.isNaN(raw) ? f.imputeValue : raw) - f.mean) / f.std;
    });
  }
  return out;
}
