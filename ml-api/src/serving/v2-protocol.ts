import type { LoadedModel } from "../inference/loaded-model.js";
import type { InferenceProtocol } from "./inference-call.js";
import { parseV2Request, type V2Request } from "./v2-request.js";
import { v2OutputTensors, v2RequestTensors } from "./v2-signature.js";
import {
  type MetadataTensor,
  OUTPUT_LABEL,
  OUTPUT_PREDICTION_ID,
  type ResponseTensor,
} from "./v2-tensors.js";

/** The platform name the protocol defines for ONNX models run by ONNX Runtime. */
export const PLATFORM = "onnx_onnxv1";

/** The protocol's extension list; the repository extension is the only one served. */
export const V2_EXTENSIONS = ["model_repository"];

/** A model's inputs and outputs as the protocol's model metadata describes them. */
export function signature(model: LoadedModel): { inputs: MetadataTensor[]; outputs: MetadataTensor[] } {
  return { inputs: v2RequestTensors(model).map((t) => t.metadata), outputs: v2OutputTensors(model) };
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
  respond: (model, request, { output }, issueIds) => {
    const byName = new Map(v2OutputTensors(model).map((t) => [t.name, t]));
    const rows = output.task === "regression" ? output.values.length : output.predictions.length;
    const tensor = (name: string, data: (number | string)[]): ResponseTensor => {
      const meta = byName.get(name) as MetadataTensor;
      return { name, datatype: meta.datatype, shape: meta.shape.map((d) => (d < 0 ? rows : d)), data };
    };
    const data = (name: string): (number | string)[] => {
      if (name === OUTPUT_PREDICTION_ID) return issueIds();
      if (output.task === "regression") return Array.from(output.values);
      return name === OUTPUT_LABEL
        ? output.predictions.map((p) => p.label)
        : Array.from(output.probabilities);
    };
    const outputs = request.outputs.map((name) => tensor(name, data(name)));
    return {
      model_name: model.name,
      model_version: model.version,
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs,
    };
  },
};
