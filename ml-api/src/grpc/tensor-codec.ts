import { InvalidInputError, quote } from "../errors.js";
import type { ResponseTensor, V2Datatype } from "../serving/v2-tensors.js";
import type { InferInputTensor, InferOutputTensor, ModelInferRequest, TensorContents } from "./messages.js";

/**
 * Tensors between the protocol's gRPC forms and its JSON form, which the shared validation reads: typed
 * `contents` (one repeated field per datatype family) and `raw_input_contents` (row-major, little-endian;
 * BYTES elements each a 4-byte little-endian length and then the bytes). Decoding allocates only from
 * what the message holds, never from the shape it claims, and leaves every check of shape, datatype and
 * values to the validation REST requests go through.
 */

type Element = number | string | boolean | null;

interface FixedLayout {
  field: keyof TensorContents;
  bytes: number;
  read(buffer: Buffer, at: number): number | boolean;
  write(buffer: Buffer, value: number, at: number): void;
}

/** Buffer's methods for a fixed-width number, by the name they share after `read` and `write`. */
type NumberMethod =
  | "Int8"
  | "Int16LE"
  | "Int32LE"
  | "UInt8"
  | "UInt16LE"
  | "UInt32LE"
  | "FloatLE"
  | "DoubleLE";

const numeric = (field: keyof TensorContents, bytes: number, method: NumberMethod): FixedLayout => ({
  field,
  bytes,
  read: (b, at) => b[`read${method}`](at),
  write: (b, v, at) => b[`write${method}`](v, at),
});

/** 64-bit integers travel as BigInt in a buffer and as numbers everywhere else. */
const wide = (field: keyof TensorContents, method: "BigInt64LE" | "BigUInt64LE"): FixedLayout => ({
  field,
  bytes: 8,
  read: (b, at) => Number(b[`read${method}`](at)),
  write: (b, v, at) => b[`write${method}`](BigInt(v), at),
});

const FIXED: Partial<Record<V2Datatype, FixedLayout>> = {
  BOOL: {
    field: "bool_contents",
    bytes: 1,
    read: (b, at) => b.readUInt8(at) !== 0,
    write: (b, v, at) => b.writeUInt8(v ? 1 : 0, at),
  },
  INT8: numeric("int_contents", 1, "Int8"),
  INT16: numeric("int_contents", 2, "Int16LE"),
  INT32: numeric("int_contents", 4, "Int32LE"),
  INT64: wide("int64_contents", "BigInt64LE"),
  UINT8: numeric("uint_contents", 1, "UInt8"),
  UINT16: numeric("uint_contents", 2, "UInt16LE"),
  UINT32: numeric("uint_contents", 4, "UInt32LE"),
  UINT64: wide("uint64_contents", "BigUInt64LE"),
  FP32: numeric("fp32_contents", 4, "FloatLE"),
  FP64: numeric("fp64_contents", 8, "DoubleLE"),
};
const BYTES_FIELD = "bytes_contents";
const LENGTH_BYTES = 4;
const CONTENT_FIELDS: (keyof TensorContents)[] = [
  "bool_contents",
  "int_contents",
  "int64_contents",
  "uint_contents",
  "uint64_contents",
  "fp32_contents",
  "fp64_contents",
  "bytes_contents",
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Floats carry no null: NaN marks a missing value, as it does in the model's input. */
const missingAsNull = (value: number | boolean): Element =>
  typeof value === "number" && Number.isNaN(value) ? null : value;

function text(bytes: Uint8Array, at: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidInputError(`${at}: a BYTES element is not UTF-8`, "wrong_type");
  }
}

function fieldOf(datatype: string): keyof TensorContents | undefined {
  return datatype === "BYTES" ? BYTES_FIELD : FIXED[datatype as V2Datatype]?.field;
}

function fromContents(input: InferInputTensor, at: string): Element[] {
  const contents = input.contents ?? {};
  const field = fieldOf(input.datatype);
  const values = field === undefined ? [] : (contents[field] ?? []);
  if (values.length === 0) {
    const filled = CONTENT_FIELDS.find((f) => (contents[f]?.length ?? 0) > 0);
    if (filled !== undefined && field !== undefined) {
      throw new InvalidInputError(
        `${at}.contents: datatype ${input.datatype} carries its values in ${field}, the request filled ${filled}`,
        "wrong_type",
      );
    }
  }
  if (field === BYTES_FIELD) return (values as Buffer[]).map((b) => text(b, at));
  return (values as (number | boolean)[]).map(missingAsNull);
}

function fromRaw(input: InferInputTensor, raw: Buffer, at: string): Element[] {
  if (input.datatype === "BYTES") {
    const out: Element[] = [];
    for (let offset = 0; offset < raw.length; ) {
      if (offset + LENGTH_BYTES > raw.length) {
        throw new InvalidInputError(
          `${at}: raw BYTES content ends inside an element's length`,
          "wrong_shape",
        );
      }
      const length = raw.readUInt32LE(offset);
      offset += LENGTH_BYTES;
      if (offset + length > raw.length) {
        throw new InvalidInputError(
          `${at}: raw BYTES element of ${length} bytes runs past the end of its content`,
          "wrong_shape",
        );
      }
      out.push(text(raw.subarray(offset, offset + length), at));
      offset += length;
    }
    return out;
  }
  const layout = FIXED[input.datatype as V2Datatype];
  // A datatype with no layout here (FP16, a misspelling) is for the validation to name.
  if (layout === undefined) return [];
  if (raw.length % layout.bytes !== 0) {
    throw new InvalidInputError(
      `${at}: raw content of ${raw.length} bytes is no whole number of ${input.datatype} elements (${layout.bytes} bytes each)`,
      "wrong_shape",
    );
  }
  const out: Element[] = [];
  for (let offset = 0; offset < raw.length; offset += layout.bytes) {
    out.push(missingAsNull(layout.read(raw, offset)));
  }
  return out;
}

/** One V2 input in the JSON form, as the shared validation reads it. */
export interface DecodedInput {
  name: string;
  shape: number[];
  datatype: string;
  data: Element[];
}

/** The request's input tensors in the JSON form, whether their values came typed or raw. */
export function decodeInputs(request: ModelInferRequest): DecodedInput[] {
  const raw = request.raw_input_contents;
  const { inputs } = request;
  if (raw.length > 0) {
    if (raw.length !== inputs.length) {
      throw new InvalidInputError(
        `raw_input_contents: has ${raw.length} entries for ${inputs.length} inputs; it needs one per input, in their order`,
        "wrong_shape",
      );
    }
    const typed = inputs.findIndex((input) =>
      CONTENT_FIELDS.some((f) => (input.contents?.[f]?.length ?? 0) > 0),
    );
    if (typed >= 0) {
      throw new InvalidInputError(
        `inputs[${typed}].contents: must be empty when the request carries raw_input_contents`,
        "invalid_input",
      );
    }
  }
  return inputs.map((input, i) => {
    const at = `inputs[${quote(input.name)}]`;
    const buffer = raw[i];
    return {
      name: input.name,
      shape: input.shape,
      datatype: input.datatype,
      data: buffer === undefined ? fromContents(input, at) : fromRaw(input, buffer, at),
    };
  });
}

function toRaw(tensor: ResponseTensor): Buffer {
  if (tensor.datatype === "BYTES") {
    const elements = tensor.data.map((v) => Buffer.from(String(v), "utf8"));
    const out = Buffer.alloc(elements.reduce((n, e) => n + LENGTH_BYTES + e.length, 0));
    let offset = 0;
    for (const element of elements) {
      offset = out.writeUInt32LE(element.length, offset);
      offset += element.copy(out, offset);
    }
    return out;
  }
  const layout = FIXED[tensor.datatype] as FixedLayout;
  const out = Buffer.alloc(tensor.data.length * layout.bytes);
  tensor.data.forEach((v, i) => {
    layout.write(out, v as number, i * layout.bytes);
  });
  return out;
}

function toContents(tensor: ResponseTensor): TensorContents {
  if (tensor.datatype === "BYTES") {
    return { [BYTES_FIELD]: tensor.data.map((v) => Buffer.from(String(v), "utf8")) };
  }
  return { [(FIXED[tensor.datatype] as FixedLayout).field]: tensor.data };
}

/**
 * Output tensors in typed contents, or with every value in `raw_output_contents` when `raw` (the protocol
 * allows one form or the other for a whole response, not a mix).
 */
export function encodeOutputs(
  tensors: ResponseTensor[],
  raw: boolean,
): { outputs: InferOutputTensor[]; raw_output_contents: Buffer[] } {
  return {
    outputs: tensors.map(({ name, datatype, shape, ...rest }) => ({
      name,
      datatype,
      shape,
      ...(raw ? {} : { contents: toContents({ name, datatype, shape, ...rest }) }),
    })),
    raw_output_contents: raw ? tensors.map(toRaw) : [],
  };
}
