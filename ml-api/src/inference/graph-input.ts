/**
 * Pre-processing: validated rows into the tensors the graph takes, as its signature says. A missing value
 * becomes NaN for a float input and "" for a string input, which is what exported imputers and encoders
 * expect; an int64 input has no missing value to give, so a null there is the client's error.
 */
import ort from "onnxruntime-node";
import { InvalidInputError, quote } from "../errors.js";
import { FeatureEncoder, type FeatureValue, type Row } from "./feature-encoder.js";
import type { ModelProfile } from "./profile.js";
import type { ColumnElementType, InputBinding } from "./signature.js";

export type Feeds = Record<string, ort.Tensor>;

export class GraphInput {
  private readonly encoder?: FeatureEncoder;

  constructor(
    private readonly binding: InputBinding,
    private readonly profile: ModelProfile,
  ) {
    if (binding.layout === "one-hot") this.encoder = new FeatureEncoder(profile);
  }

  feeds(rows: readonly Row[]): Feeds {
    const n = rows.length;
    const binding = this.binding;
    if (binding.layout === "one-hot") {
      const encoder = this.encoder as FeatureEncoder;
      return { [binding.name]: new ort.Tensor("float32", encoder.encode(rows), [n, encoder.columns]) };
    }
    if (binding.layout === "matrix") {
      const width = binding.columns;
      const values: FeatureValue[] = new Array(n * width);
      rows.forEach((row, r) => {
        for (let c = 0; c < width; c++) values[r * width + c] = row[c] ?? null;
      });
      const feature = (i: number) => this.profile.features[i % width]?.name ?? binding.name;
      return { [binding.name]: this.tensor(binding.name, binding.elementType, values, [n, width], feature) };
    }
    const feeds: Feeds = {};
    binding.inputs.forEach((input, c) => {
      const values = rows.map((row) => row[c] ?? null);
      const dims = input.rank === 1 ? [n] : [n, 1];
      feeds[input.name] = this.tensor(input.name, input.elementType, values, dims, () => input.name);
    });
    return feeds;
  }

  private tensor(
    name: string,
    type: ColumnElementType,
    values: readonly FeatureValue[],
    dims: number[],
    featureAt: (index: number) => string,
  ): ort.Tensor {
    if (type === "string")
      return new ort.Tensor(
        "string",
        values.map((v) => (v === null ? "" : String(v))),
        dims,
      );
    if (type === "int64") {
      const data = new BigInt64Array(values.length);
      values.forEach((v, i) => {
        if (typeof v !== "number" || !Number.isInteger(v)) {
          throw new InvalidInputError(
            `${quote(featureAt(i))}: input ${quote(name)} takes int64, so each value must be an integer, got ${JSON.stringify(v)}`,
            "wrong_type",
          );
        }
        data[i] = BigInt(v);
      });
      return new ort.Tensor("int64", data, dims);
    }
    const data = type === "float32" ? new Float32Array(values.length) : new Float64Array(values.length);
    values.forEach((v, i) => {
      data[i] = typeof v === "number" ? v : Number.NaN;
    });
    return new ort.Tensor(type, data, dims);
  }
}
