import type { ValidateFunction } from "ajv";
import { InvalidInputError, quote } from "../errors.js";
import type { FeatureValue, Row } from "../inference/feature-encoder.js";
import type { LoadedModel } from "../inference/loaded-model.js";
import type { FeatureProfile } from "../inference/profile.js";
import { ajv, featureValueSchema } from "./feature-schemas.js";
import { schemaError } from "./schema-errors.js";
import { type RequestTensor, v2OutputTensors, v2RequestTensors } from "./v2-signature.js";
import { INTEGER_DATATYPES, NUMERIC_DATATYPES, V2_DATATYPES, type V2Datatype } from "./v2-tensors.js";

/**
 * Open Inference Protocol V2 request: the tensors of the model's V2 signature (v2-signature.ts), either one
 * per feature (the columnar form MLServer's pandas codec uses) of shape [N] or [N, 1], or one [N, D] matrix
 * of the features in order; numeric features FP32/FP64/INT*, categorical ones BYTES, data flat or nested.
 * `null` marks a missing value, an extension of the protocol the model needs.
 */
interface V2Input {
  name: string;
  shape: number[];
  datatype: V2Datatype;
  parameters?: Record<string, unknown>;
  data: (FeatureValue | FeatureValue[])[];
}
interface V2Body {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: V2Input[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface V2Request {
  id?: string;
  rows: Row[];
  /** Outputs the client asked for; all of them when it named none. */
  outputs: string[];
}

const compiled = new WeakMap<LoadedModel, ValidateFunction<V2Body>>();

function validatorFor(model: LoadedModel): ValidateFunction<V2Body> {
  const cached = compiled.get(model);
  if (cached) return cached;
  const tensors = v2RequestTensors(model);
  const validate = ajv.compile<V2Body>({
    type: "object",
    required: ["inputs"],
    additionalProperties: false,
    properties: {
      id: { type: "string", maxLength: 256 },
      parameters: { type: "object" },
      inputs: {
        type: "array",
        minItems: 1,
        maxItems: tensors.length,
        items: {
          type: "object",
          required: ["name", "shape", "datatype", "data"],
          additionalProperties: false,
          properties: {
            name: { enum: tensors.map((t) => t.name) },
            shape: { type: "array", minItems: 1, maxItems: 2, items: { type: "integer", minimum: 0 } },
            datatype: { enum: [...V2_DATATYPES] },
            parameters: { type: "object" },
            data: { type: "array" },
          },
          allOf: tensors.map((t) => {
            const f = t.features[0] as FeatureProfile;
            const value = featureValueSchema(f);
            return {
              if: { properties: { name: { const: t.name } } },
              // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
              then: {
                properties: {
                  datatype: { enum: f.type === "numeric" ? [...NUMERIC_DATATYPES] : ["BYTES"] },
                  data: { type: "array", items: { anyOf: [value, { type: "array", items: value }] } },
                },
              },
            };
          }),
        },
      },
      outputs: {
        type: "array",
        items: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { enum: v2OutputTensors(model).map((o) => o.name) },
            parameters: { type: "object" },
          },
        },
      },
    },
  });
  compiled.set(model, validate);
  return validate;
}

function shapeError(message: string): InvalidInputError {
  return new InvalidInputError(message, "wrong_shape");
}

/** Validates a V2 body against the model's signature and returns its rows in signature order. */
export function parseV2Request(body: unknown, model: LoadedModel, maxRows: number): V2Request {
  const validate = validatorFor(model);
  if (!validate(body)) throw schemaError(validate.errors);
  const tensors = v2RequestTensors(model);
  const byName = new Map<string, FeatureValue[]>();
  let rows: number | undefined;
  for (const input of body.inputs) {
    const at = `inputs[${quote(input.name)}]`;
    if (byName.has(input.name)) throw new InvalidInputError(`${at}: given more than once`, "wrong_shape");
    const tensor = tensors.find((t) => t.name === input.name) as RequestTensor;
    const columns = tensor.features.length;
    const [n, width = 1] = input.shape as [number, number?];
    if (width !== columns || input.shape.length > 2 || (columns > 1 && input.shape.length !== 2)) {
      const wanted = columns === 1 ? "[N] or [N, 1]" : `[N, ${columns}]`;
      throw shapeError(`${at}: shape must be ${wanted}, got [${input.shape.join(", ")}]`);
    }
    if (rows !== undefined && n !== rows) {
      throw shapeError(`${at}: has ${n} rows but an earlier input has ${rows}; every input needs the same N`);
    }
    rows = n;
    if (n > maxRows)
      throw new InvalidInputError(`${at}: at most ${maxRows} rows per request, got ${n}`, "too_many_rows");
    const values = input.data.flat();
    if (values.length !== n * columns) {
      throw shapeError(
        `${at}: shape [${input.shape.join(", ")}] needs ${n * columns} values, data has ${values.length}`,
      );
    }
    if (
      INTEGER_DATATYPES.includes(input.datatype) &&
      values.some((v) => v !== null && !Number.isInteger(v))
    ) {
      throw new InvalidInputError(`${at}: datatype ${input.datatype} needs integers`, "wrong_type");
    }
    byName.set(input.name, values);
  }
  const missing = tensors.filter((t) => !byName.has(t.name)).map((t) => quote(t.name));
  if (missing.length > 0)
    throw new InvalidInputError(`inputs: missing ${missing.join(", ")}`, "missing_field");
  if (!rows) throw shapeError("inputs: N must be at least 1");
  const out: Row[] = [];
  for (let r = 0; r < rows; r++) {
    const row: FeatureValue[] = [];
    for (const t of tensors) {
      const values = byName.get(t.name) as FeatureValue[];
      const width = t.features.length;
      for (let c = 0; c < width; c++) row.push(values[r * width + c] as FeatureValue);
    }
    out.push(row);
  }
  const outputs = body.outputs?.map((o) => o.name) ?? v2OutputTensors(model).map((o) => o.name);
  return body.id === undefined ? { rows: out, outputs } : { id: body.id, rows: out, outputs };
}
