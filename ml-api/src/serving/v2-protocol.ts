import type { LoadedModel } from "../inference/loaded-model.js";
import type { InferenceProtocol } from "./inference-call.js";
import { parseV2Request, type V2Request } from "./v2-request.js";
import {
  type MetadataTensor,
  OUTPUT_LABEL,
  OUTPUT_PROBABILITIES,
  type ResponseTensor,
} from "./v2-tensors.js";

/** The platform name the protocol defines for ONNX models run by ONNX Runtime. */
export const PLATFORM = "onnx_onnxv1";

/** The protocol's extension list; the repository extension is the only one served. */
export const V2_EXTENSIONS = ["model_repository"];

/** A model's inputs and outputs as the protocol's model metadata describes them. */
export function signature(model: LoadedModel): { inputs: MetadataTensor[]; outputs: MetadataTensor[] } {
  return {
    inputs: model.profile.features.map((f) => ({
      name: f.name,
      datatype: f.type === "numeric" ? "FP32" : "BYTES",
      shape: [-1],
    })),
    outputs: [
      { name: OUTPUT_LABEL, datatype: "BYTES", shape: [-1] },
      { name: OUTPUT_PROBABILITIES, datatype: "FP32", shape: [-1, model.profile.classes.length] },
    ],
  };
}

export interface V2Response {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: ResponseTensor[];
}

/** Open Inference Protocol inference in its JSON form; the gRPC form is written from the same answer. */
export const V2_INFER: InferenceProtocol<V2Request, V2Response> = {
  parse: parseV2Request,
  respond: (model, request, { predictions, probabilities }) => {
    const rows = predictions.length;
    const outputs: ResponseTensor[] = request.outputs.map((output) =>
      output === OUTPUT_LABEL
        ? { name: output, datatype: "BYTES", shape: [rows], data: predictions.map((p) => p.label) }
        : {
            name: output,
            datatype: "FP32",
            shape: [rows, model.profile.classes.length],
            data: Array.from(probabilities),
          },
    );
    return {
      model_name: model.name,
      model_version: model.version,
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs,
    };
  },
};
