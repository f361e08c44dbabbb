import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { API_JOB } from "../../prometheus/rules/pipeline-alerts.js";

/** What the rule cases (rule-cases.ts, quality-rule-cases.ts) share: the source's labels and series shapes. */

export const JOB = `job="${API_JOB}"`;
const INSTANCE = `instance="10.0.0.1:8002"`;
export const API = `${JOB}, ${INSTANCE}`;
export const INFER_ROUTE = `http_route="${HTTP_ROUTES.v2Infer.template}", http_request_method="POST"`;
export const MODEL = `model_name="penguins", model_version="2"`;
export const REGRESSOR = `model_name="body-mass", model_version="1"`;

/** An expression's values to six decimals: promtool compares floats exactly (0.235 vs 0.23499999999999999). */
export const rounded = (expr: string) => `round((\n${expr}\n) * 1e6) / 1e6`;

/** A counter growing by `perStep` for `steps` intervals. */
export const grows = (perStep: number, steps: number) => `0+${perStep}x${steps}`;
/** A value held for `steps` intervals. */
export const flat = (value: number, steps: number) => `${value}x${steps}`;

export const DEPENDS = { depends_on: "ml-api-telemetry" };
