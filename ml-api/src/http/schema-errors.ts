import type { ErrorObject } from "ajv";
import { InvalidInputError, quote } from "../errors.js";

/** Why a request was rejected, as a fixed vocabulary: these become metric label values. */
export type RejectionReason =
  | "malformed_json"
  | "unsupported_media_type"
  | "body_too_large"
  | "too_many_rows"
  | "missing_field"
  | "unknown_field"
  | "wrong_type"
  | "out_of_bounds"
  | "wrong_shape"
  | "model_rejected"
  | "invalid_input";

/** `/instances/0/bill_length_mm` -> `instances[0].bill_length_mm`, the way a client names the field. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function describe(error: ErrorObject): { message: string; reason: RejectionReason } {
  const at = fieldPath(error.instancePath) || "body";
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { message: `${at}: missing ${quote(String(params.missingProperty))}`, reason: "missing_field" };
    case "additionalProperties":
      return {
        message: `${at}: unknown field ${quote(String(params.additionalProperty))}`,
        reason: "unknown_field",
      };
    case "type":
      return { message: `${at}: must be ${String(params.type).replace(",", " or ")}`, reason: "wrong_type" };
    case "enum":
      return {
        message: `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
        reason: "wrong_type",
      };
    case "minimum":
    case "maximum":
      return { message: `${at}: ${error.message}`, reason: "out_of_bounds" };
    case "maxItems":
      return {
        message: `${at}: ${error.message}`,
        reason: at === "instances" ? "too_many_rows" : "wrong_shape",
      };
    case "minItems":
      return { message: `${at}: ${error.message}`, reason: "wrong_shape" };
    default:
      return { message: `${at}: ${error.message ?? "is invalid"}`, reason: "invalid_input" };
  }
}

/** The first schema violation as a 400 naming the field and the problem. */
export function schemaError(errors: ErrorObject[] | null | undefined): InvalidInputError {
  const first = errors?.find((e) => e.keyword !== "if") ?? errors?.[0];
  if (!first) return new InvalidInputError("body: is invalid");
  const { message, reason } = describe(first);
  return new InvalidInputError(message, reason);
}
