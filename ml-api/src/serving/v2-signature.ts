/**
 * A model's Open Inference Protocol signature: the tensors a V2 request carries and the tensors a response
 * holds, derived from the model's signature. The one-hot contract takes one tensor per feature (the API
 * builds the one-hot matrix); other models take the tensors their graph declares: one [N, D] matrix, or
 * one [N] / [N, 1] tensor per feature. A classifier answers `label` and `probabilities`, a regressor `value`.
 */
import type { LoadedModel } from "../inference/loaded-model.js";
import type { FeatureProfile } from "../inference/profile.js";
import type { ColumnElementType } from "../inference/signature.js";
import {
  type MetadataTensor,
  OUTPUT_LABEL,
  OUTPUT_PREDICTION_ID,
  OUTPUT_PROBABILITIES,
  OUTPUT_VALUE,
  type V2Datatype,
} from "./v2-tensors.js";

/** One request tensor: the features it carries, in column order (one, or D for a matrix). */
export interface RequestTensor {
  name: string;
  features: readonly FeatureProfile[];
  metadata: MetadataTensor;
}

const DATATYPES: Record<ColumnElementType, V2Datatype> = {
  float32: "FP32",
  float64: "FP64",
  int64: "INT64",
  string: "BYTES",
};

const requestTensors = new WeakMap<LoadedModel, RequestTensor[]>();

export function v2RequestTensors(model: LoadedModel): RequestTensor[] {
  const cached = requestTensors.get(model);
  if (cached) return cached;
  const features = model.profile.features;
  const input = model.signature.input;
  let tensors: RequestTensor[];
  if (input.layout === "one-hot") {
    tensors = features.map((f) => ({
      name: f.name,
      features: [f],
      metadata: { name: f.name, datatype: f.type === "numeric" ? "FP32" : "BYTES", shape: [-1] },
    }));
  } else if (input.layout === "matrix") {
    tensors = [
      {
        name: input.name,
        features,
        metadata: { name: input.name, datatype: DATATYPES[input.elementType], shape: [-1, input.columns] },
      },
    ];
  } else {
    tensors = input.inputs.map((column, i) => ({
      name: column.name,
      features: [features[i] as FeatureProfile],
      metadata: {
        name: column.name,
        datatype: DATATYPES[column.elementType],
        shape: column.rank === 1 ? [-1] : [-1, 1],
      },
    }));
  }
  requestTensors.set(model, tensors);
  return tensors;
}

export function v2OutputTensors(model: LoadedModel): MetadataTensor[] {
  const output = model.signature.output;
  const datatype = output.elementType === "float64" ? "FP64" : "FP32";
  const id: MetadataTensor = { name: OUTPUT_PREDICTION_ID, datatype: "BYTES", shape: [-1] };
  if (output.task === "regression") return [{ name: OUTPUT_VALUE, datatype, shape: [-1] }, id];
  return [
    { name: OUTPUT_LABEL, datatype: "BYTES", shape: [-1] },
    { name: OUTPUT_PROBABILITIES, datatype, shape: [-1, model.profile.classes.length] },
    id,
  ];
}
