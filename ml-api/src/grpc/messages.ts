/**
 * The messages of `open_inference_grpc.proto` as proto-loader hands them over (field names as in the proto,
 * every field present at its default), limited to the fields the server reads or writes.
 */

export interface InferParameter {
  parameter_choice?: "bool_param" | "int64_param" | "string_param" | "double_param" | "uint64_param";
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
  uint64_param?: number;
}

export type Parameters = Record<string, InferParameter>;

export interface TensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters: Parameters;
  contents: TensorContents | null;
}

export interface ModelInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Parameters;
  inputs: InferInputTensor[];
  outputs: { name: string; parameters: Parameters }[];
  raw_input_contents: Buffer[];
}

export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: TensorContents;
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: InferOutputTensor[];
  raw_output_contents: Buffer[];
}

/** The request of ModelReady and ModelMetadata. */
export interface ModelRequest {
  name: string;
  version: string;
}
