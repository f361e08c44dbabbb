import type { ValidateFunction } from "ajv";
import type { Row } from "../inference/feature-encoder.js";
import type { LoadedModel } from "../inference/loaded-model.js";
import { ajv, featureValueSchema } from "../serving/feature-schemas.js";
import { schemaError } from "../serving/schema-errors.js";

/**
 * KServe V1 predict body: `{"instances": [...]}`, each instance an object of named features or an array
 * of values in signature order. Missing values are `null`; absent or extra features are errors.
 */
interface V1Body {
  instances: (Record<string, number | string | null> | (number | string | null)[])[];
}

const compiled = new WeakMap<LoadedModel, ValidateFunction<V1Body>>();

function validatorFor(model: LoadedModel, maxRows: number): ValidateFunction<V1Body> {
  const cached = compiled.get(model);
  if (cached) return cached;
  const features = model.profile.features;
  const byName = {
    type: "object",
    required: features.map((f) => f.name),
    additionalProperties: false,
    properties: Object.fromEntries(features.map((f) => [f.name, featureValueSchema(f)])),
  };
  const inOrder = {
    type: "array",
    minItems: features.length,
    maxItems: features.length,
    items: features.map(featureValueSchema),
  };
  const validate = ajv.compile<V1Body>({
    type: "object",
    required: ["instances"],
    additionalProperties: false,
    properties: {
      instances: {
        type: "array",
        minItems: 1,
        maxItems: maxRows,
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keywords
        items: { if: { type: "array" }, then: inOrder, else: byName },
      },
    },
  });
  compiled.set(model, validate);
  return validate;
}

/** Validates a V1 body against the model's signature and returns its rows in signature order. */
export function parseV1Request(body: unknown, model: LoadedModel, maxRows: number): Row[] {
  const validate = validatorFor(model, maxRows);
  if (!validate(body)) throw schemaError(validate.errors);
  const names = model.profile.features.map((f) => f.name);
  return body.instances.map((instance) =>
    Array.isArray(instance) ? instance : names.map((n) => instance[n] ?? null),
  );
}
