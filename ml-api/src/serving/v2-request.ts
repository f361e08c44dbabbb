import type { ValidateFunction } from "ajv";
import { InvalidInputError, quote } from "../errors.js";
import type { FeatureValue, Row } from "../inference/feature-encoder.js";
import type { LoadedModel } from "../inference/loaded-model.js";
import { ajv, featureValueSchema } from "./feature-schemas.js";
import { schemaError } from "./schema-errors.js";
import {
  INTEGER_DATATYPES,
  NUMERIC_DATATYPES,
  OUTPUT_LABEL,
  OUTPUT_PROBABILITIES,
  V2_DATATYPES,
  type V2Datatype,
} from "./v2-tensors.js";

/**
 * Open Inference Protocol V2 request: one input tensor per feature (the columnar form MLServer's pandas
 * codec uses), numeric features FP32/FP64/INT*, categorical ones BYTES, each of shape [N] or [N, 1], data
 * flat or nested. `null` marks a missing value, an extension of the protocol the model needs.
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

const ALL_OUTPUTS = [OUTPUT_LABEL, OUTPUT_PROBABILITIES];
const compiled = new WeakMap<LoadedModel, ValidateFunction<V2Body>>();

function validatorFor(model: LoadedModel): ValidateFunction<V2Body> {
  const cached = compiled.get(model);
  if (cached) return cached;
  const features = model.profile.features;
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
        maxItems: features.length,
        items: {
          type: "object",
          required: ["name", "shape", "datatype", "data"],
          additionalProperties: false,
          properties: {
            name: { enum: features.map((f) => f.name) },
            shape: { type: "array", minItems: 1, maxItems: 2, items: { type: "integer", minimum: 0 } },
            datatype: { enum: [...V2_DATATYPES] },
            parameters: { type: "object" },
            data: { type: "array" },
          },
          allOf: features.map((f) => {
            const value = featureValueSchema(f);
            return {
              if: { properties: { name: { const: f.name } } },
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
          properties: { name: { enum: ALL_OUTPUTS }, parameters: { type: "object" } },
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
  const features = model.profile.features;
  const byName = new Map<string, FeatureValue[]>();
  let rows: number | undefined;
  for (const input of body.inputs) {
    const at = `inputs[${quote(input.name)}]`;
    if (byName.has(input.name)) throw new InvalidInputError(`${at}: given more than once`, "wrong_shape");
    const [n, width = 1] = input.shape as [number, number?];
    if (width !== 1) throw shapeError(`${at}: shape must be [N] or [N, 1], got [${input.shape.join(", ")}]`);
    if (rows !== undefined && n !== rows) {
      throw shapeError(`${at}: has ${n} rows but an earlier input has ${rows}; every input needs the same N`);
    }
    rows = n;
    if (n > maxRows)
      throw new InvalidInputError(`${at}: at most ${maxRows} rows per request, got ${n}`, "too_many_rows");
    const values = input.data.flat();
    if (values.length !== n) {
      throw shapeError(
        `${at}: shape [${input.shape.join(", ")}] needs ${n} values, data has ${values.length}`,
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
  const missing = features.filter((f) => !byName.has(f.name)).map((f) => quote(f.name));
  if (missing.length > 0)
    throw new InvalidInputError(`inputs: missing ${missing.join(", ")}`, "missing_field");
  if (!rows) throw shapeError("inputs: N must be at least 1");
  const columns = features.map((f) => byName.get(f.name) as FeatureValue[]);
  const out: Row[] = [];
  for (let r = 0; r < rows; r++) out.push(columns.map((column) => column[r] as FeatureValue));
  const outputs = body.outputs?.map((o) => o.name) ?? ALL_OUTPUTS;
  return body.id === undefined ? { rows: out, outputs } : { id: body.id, rows: out, outputs };
}
