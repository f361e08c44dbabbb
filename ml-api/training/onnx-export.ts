/**
 * Writes a trained MLP and its preprocessing as one ONNX graph, so a client sends raw feature values and
 * the model file alone decides how they are imputed and scaled:
 *
 *   features[N,D] -> Slice numerics -> IsNaN/Where(median) -> Sub(mean) -> Div(std) --+
 *                 -> Slice one-hot columns (unscaled) ----------------------------------+-> Concat
 *   -> Gemm -> Relu -> Gemm -> Softmax(axis=1) -> probabilities[N,C]
 */
import onnxProto from "onnx-proto";
import type { FeatureProfile, NumericFeatureProfile } from "../src/inference/profile.js";
import type { Mlp } from "./mlp.js";
import {
  INPUT_NAME,
  inputColumnCount,
  inputColumnNames,
  numericFeatures,
  OUTPUT_NAME,
} from "./model-input.js";

// onnx-proto is CommonJS that assigns module.exports whole, so Node's ESM loader only offers the default export.
const { onnx } = onnxProto;

/** IR version 8 is what onnx-proto's schema describes; ONNX 1.12 pairs it with opset 17. */
const IR_VERSION = 8;
export const OPSET = 17;

export interface OnnxExportInput {
  name: string;
  version: string;
  description: string;
  mlp: Mlp;
  features: readonly FeatureProfile[];
  classes: readonly string[];
}

export function exportOnnx(input: OnnxExportInput): Uint8Array {
  const { mlp, features } = input;
  const numeric = numericFeatures(features);
  const width = inputColumnCount(features);
  const initializers = [
    floats("W1", [mlp.inputs, mlp.hidden], mlp.w1),
    floats("B1", [mlp.hidden], mlp.b1),
    floats("W2", [mlp.hidden, mlp.classes], mlp.w2),
    floats("B2", [mlp.classes], mlp.b2),
  ];
  const perNumeric = (name: string, value: (f: NumericFeatureProfile) => number) =>
    floats(name, [numeric.length], numeric.map(value));
  const nodes = [];
  const scaledParts: string[] = [];
  if (numeric.length > 0) {
    initializers.push(
      int64s("numeric_start", [0]),
      int64s("numeric_end", [numeric.length]),
      int64s("column_axis", [1]),
      perNumeric("impute_value", (f) => f.imputeValue),
      perNumeric("mean", (f) => f.mean),
      perNumeric("std", (f) => f.std),
    );
    nodes.push(
      node("Slice", [INPUT_NAME, "numeric_start", "numeric_end", "column_axis"], "numeric_raw"),
      node("IsNaN", ["numeric_raw"], "numeric_missing"),
      node("Where", ["numeric_missing", "impute_value", "numeric_raw"], "numeric_imputed"),
      node("Sub", ["numeric_imputed", "mean"], "numeric_centred"),
      node("Div", ["numeric_centred", "std"], "numeric_scaled"),
    );
    scaledParts.push("numeric_scaled");
  }
  if (width > numeric.length) {
    initializers.push(int64s("onehot_start", [numeric.length]), int64s("onehot_end", [width]));
    if (numeric.length === 0) initializers.push(int64s("column_axis", [1]));
    nodes.push(node("Slice", [INPUT_NAME, "onehot_start", "onehot_end", "column_axis"], "onehot"));
    scaledParts.push("onehot");
  }
  nodes.push(
    node("Concat", scaledParts, "scaled", [
      { name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 },
    ]),
    node("Gemm", ["scaled", "W1", "B1"], "hidden_linear"),
    node("Relu", ["hidden_linear"], "hidden"),
    node("Gemm", ["hidden", "W2", "B2"], "logits"),
    node("Softmax", ["logits"], OUTPUT_NAME, [
      { name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 },
    ]),
  );
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "inferwatch",
    modelVersion: Number(input.version),
    docString:
      `${input.description} Input "${INPUT_NAME}" float32 [batch, ${width}], columns: ` +
      `${inputColumnNames(features).join(", ")}; numerics raw with NaN for missing, one-hot all zeros for ` +
      `missing or unseen. Output "${OUTPUT_NAME}" float32 [batch, ${input.classes.length}], classes: ` +
      `${input.classes.join(", ")}.`,
    metadataProps: [
      { key: "name", value: input.name },
      { key: "version", value: input.version },
    ],
    graph: {
      name: `${input.name}_v${input.version}`,
      node: nodes,
      initializer: initializers,
      input: [floatMatrix(INPUT_NAME, width)],
      output: [floatMatrix(OUTPUT_NAME, input.classes.length)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function node(
  opType: string,
  inputs: string[],
  output: string,
  attribute: onnxProto.onnx.IAttributeProto[] = [],
) {
  return { opType, name: output, input: inputs, output: [output], attribute };
}

function floats(name: string, dims: number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

function int64s(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

/** A float32 [batch, columns] value whose first dimension is symbolic, so callers can send any batch size. */
function floatMatrix(name: string, columns: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: "batch" }, { dimValue: columns }] },
      },
    },
  };
}
