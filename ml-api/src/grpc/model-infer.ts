import type { InferenceProtocol } from "../serving/inference-call.js";
import { V2_INFER } from "../serving/v2-protocol.js";
import { parseV2Request, type V2Request } from "../serving/v2-request.js";
import type { ModelInferRequest, ModelInferResponse, Parameters } from "./messages.js";
import { decodeInputs, encodeOutputs } from "./tensor-codec.js";

/**
 * Parameters that ask for the outputs in `raw_output_contents`, with the names Triton gives them: on the
 * request for every output, or on any requested output (one raw output makes the whole response raw).
 */
export const RAW_OUTPUT_PARAMETERS = { request: "binary_data_output", output: "binary_data" } as const;

const flag = (parameters: Parameters, name: string) => parameters[name]?.bool_param === true;

function wantsRawOutput(request: ModelInferRequest): boolean {
  return (
    flag(request.parameters, RAW_OUTPUT_PARAMETERS.request) ||
    request.outputs.some((o) => flag(o.parameters, RAW_OUTPUT_PARAMETERS.output))
  );
}

interface GrpcInferRequest extends V2Request {
  raw: boolean;
}

/**
 * ModelInfer: the message decoded into the JSON form of the same request and validated as REST validates
 * it, so both protocols give the same answer for the same rows; the answer written back in gRPC form.
 */
export const GRPC_INFER: InferenceProtocol<GrpcInferRequest, ModelInferResponse> = {
  parse: (message, model, maxRows) => {
    const request = message as ModelInferRequest;
    const body = {
      ...(request.id === "" ? {} : { id: request.id }),
      inputs: decodeInputs(request),
      ...(request.outputs.length === 0 ? {} : { outputs: request.outputs.map((o) => ({ name: o.name })) }),
    };
    return { ...parseV2Request(body, model, maxRows), raw: wantsRawOutput(request) };
  },
  respond: (model, request, result, ids) => {
    const answer = V2_INFER.respond(model, request, result, ids);
    return {
      model_name: answer.model_name,
      model_version: answer.model_version,
      id: answer.id ?? "",
      ...encodeOutputs(answer.outputs, request.raw),
    };
  },
};
