/** Open Inference Protocol tensor vocabulary shared by requests, responses and model metadata. */

export const V2_DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export type V2Datatype = (typeof V2_DATATYPES)[number];

/** Datatypes a numeric feature accepts; FP16 has no JSON form and BOOL no meaning for a measurement. */
export const NUMERIC_DATATYPES: readonly V2Datatype[] = [
  "FP32",
  "FP64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
];
export const INTEGER_DATATYPES: readonly V2Datatype[] = NUMERIC_DATATYPES.filter((d) => /INT/.test(d));

export interface MetadataTensor {
  name: string;
  datatype: V2Datatype;
  shape: number[];
}

export interface ResponseTensor extends MetadataTensor {
  data: (number | string)[];
}

/** Names of the outputs this server returns: label and probabilities for a classifier, value for a regressor. */
export const OUTPUT_LABEL = "label";
export const OUTPUT_PROBABILITIES = "probabilities";
export const OUTPUT_VALUE = "value";
/** One id per row, for sending the row's true label to the feedback route later. */
export const OUTPUT_PREDICTION_ID = "prediction_id";
