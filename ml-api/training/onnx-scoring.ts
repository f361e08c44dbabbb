/** Runs an ONNX model that follows the inferwatch input contract (model-input.ts) with onnxruntime-node. */
import * as ort from "onnxruntime-node";
import type { FeatureProfile } from "../src/inference/profile.js";
import { DataError } from "./data-error.js";
import type { Row } from "./feature-spec.js";
import { encodeModelInput, INPUT_NAME, inputColumnCount, OUTPUT_NAME } from "./model-input.js";
import { topClasses } from "./top-class.js";

/** The model's top-1 probability for each row, in row order. */
export async function scoreTopConfidences(
  modelPath: string,
  rows: readonly Row[],
  features: readonly FeatureProfile[],
  classCount: number,
): Promise<number[]> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
      throw new DataError(
        `${modelPath} has inputs [${session.inputNames.join(", ")}] and outputs [${session.outputNames.join(", ")}]; ` +
          `inferwatch needs an input "${INPUT_NAME}" and an output "${OUTPUT_NAME}"`,
      );
    }
    const width = inputColumnCount(features);
    const input = new ort.Tensor("float32", encodeModelInput(rows, features), [rows.length, width]);
    let output: ort.Tensor;
    try {
      output = (await session.run({ [INPUT_NAME]: input }))[OUTPUT_NAME] as ort.Tensor;
    } catch (error) {
      // Usually a column count that differs from the model's: say which count the features gave.
      throw new DataError(
        `${modelPath} rejected a [${rows.length}, ${width}] "${INPUT_NAME}" input: ${error}`,
      );
    }
    if (output.type !== "float32" || output.dims.length !== 2 || output.dims[1] !== classCount) {
      throw new DataError(
        `${modelPath} returned "${OUTPUT_NAME}" as ${output.type} [${output.dims.join(", ")}]; ` +
          `expected float32 [${rows.length}, ${classCount}], one column per class`,
      );
    }
    return topClasses(output.data as Float32Array, classCount).map((t) => t.confidence);
  } finally {
    await session.release();
  }
}
