import { Ajv } from "ajv";
import type { FeatureProfile } from "../inference/profile.js";

/** One Ajv for all request schemas; each model version compiles its own once, when it is first used. */
export const ajv = new Ajv({ allErrors: false, strict: true });

/** Largest magnitude a float32 model input holds; beyond it a value would become Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Category strings longer than this are no category any model was trained on. */
const MAX_CATEGORY_LENGTH = 256;

/** The JSON schema of one feature's value; null means "missing", which the model imputes. */
export function featureValueSchema(feature: FeatureProfile) {
  return feature.type === "numeric"
    ? { type: ["number", "null"], minimum: -FLOAT32_MAX, maximum: FLOAT32_MAX }
    : { type: ["string", "null"], maxLength: MAX_CATEGORY_LENGTH };
}
