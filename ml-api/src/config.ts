import { join } from "node:path";
import { Ajv } from "ajv";
import { BUNDLED_MODELS_PATH } from "./bundled-models.js";
import { PACKAGE_ROOT } from "./package-root.js";

/** The trained models of this repository (from `src/` and `dist/` alike); `MODEL_REPOSITORY` points elsewhere. */
export const BUNDLED_MODEL_REPOSITORY = join(PACKAGE_ROOT, BUNDLED_MODELS_PATH);

/**
 * Every setting of the ML API, from environment variables. The schema is the single source of truth: its
 * defaults and descriptions are what the deployment guide documents, and a test checks the two agree.
 */
const SETTINGS = {
  PORT: { type: "integer", minimum: 0, maximum: 65535, default: 8002, description: "HTTP port." },
  GRPC_PORT: {
    type: "integer",
    minimum: 0,
    maximum: 65535,
    default: 8001,
    description: "gRPC port (Open Inference Protocol, health, reflection); Triton's default.",
  },
  HOST: { type: "string", minLength: 1, default: "0.0.0.0", description: "Address to listen on." },
  MODEL_REPOSITORY: {
    type: "string",
    minLength: 1,
    default: BUNDLED_MODEL_REPOSITORY,
    description: "Folder holding `<model>/<version>/{model.onnx,profile.json,card.json}`.",
  },
  MAX_BODY_BYTES: {
    type: "integer",
    minimum: 1024,
    default: 1_048_576,
    description:
      "Largest request body accepted; larger bodies get 413, larger gRPC messages RESOURCE_EXHAUSTED.",
  },
  MAX_BATCH_ROWS: {
    type: "integer",
    minimum: 1,
    maximum: 100_000,
    default: 1024,
    description: "Most rows (instances) in one request; more get 400.",
  },
  ORT_INTRA_OP_THREADS: {
    type: "integer",
    minimum: 1,
    maximum: 64,
    default: 1,
    description: "ONNX Runtime threads per model run. Small models gain nothing from more.",
  },
  MAX_INFLIGHT_REQUESTS: {
    type: "integer",
    minimum: 1,
    maximum: 1_000_000,
    default: 64,
    description:
      "Most inference requests in flight at once (from arrival to response, every protocol together: KServe V1, V2 REST and gRPC); more get 503 with `Retry-After: 1` (gRPC: UNAVAILABLE) at once instead of waiting behind them, which bounds the queue inside the process to about this many service times. Health, metadata and repository routes are never refused.",
  },
  DRIFT_PSI_THRESHOLD: {
    type: "number",
    exclusiveMinimum: 0,
    default: 0.2,
    description: "PSI above which a feature counts as drifted (0.1 watch, 0.2 act, by common practice).",
  },
  DRIFT_WINDOW_SIZE: {
    type: "integer",
    minimum: 100,
    maximum: 1_000_000,
    default: 5000,
    description: "Most recent values per feature the in-process PSI is computed over.",
  },
  DRIFT_MIN_SAMPLES: {
    type: "integer",
    minimum: 1,
    default: 1000,
    description: "PSI is reported only once a feature's window holds this many values; below, it is noise.",
  },
  SHUTDOWN_TIMEOUT_MS: {
    type: "integer",
    minimum: 0,
    default: 10_000,
    description: "On SIGTERM, how long in-flight requests may take to finish before the process exits.",
  },
  INFERWATCH_CONTROL_AUTH: {
    type: "string",
    enum: ["required", "off"],
    default: "required",
    description:
      "`required`: feedback and repository load and unload need `Authorization: Bearer <token>` with the token in `INFERWATCH_CONTROL_TOKEN_FILE`. `off` opens them to anyone who can reach the API; only for a network where every client is trusted.",
  },
  INFERWATCH_CONTROL_TOKEN_FILE: {
    type: "string",
    default: "",
    description:
      "File holding the control token (a Compose secret; `npm run stack` writes one at first start). Required unless `INFERWATCH_CONTROL_AUTH=off`.",
  },
  PREDICTION_ID_KEY_FILE: {
    type: "string",
    default: "",
    description:
      "File holding the key (at least 32 bytes) that signs prediction ids; every replica needs the same one so a label may reach any of them. Unset: a random key per process, and labels sent to another replica or after a restart are rejected as `unknown_id`.",
  },
  FEEDBACK_MAX_ITEMS: {
    type: "integer",
    minimum: 1,
    maximum: 100_000,
    default: 1000,
    description: "Most labels in one feedback request; more get 400.",
  },
  FEEDBACK_MAX_AGE_SECONDS: {
    type: "integer",
    minimum: 1,
    default: 604_800,
    description: "Labels for predictions older than this are rejected as `too_old`.",
  },
  FEEDBACK_DEDUP_CAPACITY: {
    type: "integer",
    minimum: 2,
    maximum: 100_000_000,
    default: 1_000_000,
    description:
      "Prediction ids a replica remembers so a repeated label counts once: always the last half of this many, at most this many (about 100 bytes each).",
  },
  TELEMETRY_PROFILE: {
    type: "string",
    enum: ["full", "production"],
    default: "full",
    description:
      "`full` exports every trace. `production` exports the trace of every failed request (a 5xx or a failed inference), of every request that took `TRACE_SLOW_SECONDS` or longer, and `TRACE_KEEP_RATIO` of the rest, chosen by trace id; the API decides when a request ends, so the traces it drops cost no export. Request and inference counts, latency histograms and drift are metrics and stay exact in both; span metrics count only the traces exported.",
  },
  TRACE_KEEP_RATIO: {
    type: "number",
    minimum: 0,
    maximum: 1,
    default: 0.1,
    description:
      "With `TELEMETRY_PROFILE=production`: share of the traces neither failed nor slow that are exported.",
  },
  TRACE_SLOW_SECONDS: {
    type: "number",
    exclusiveMinimum: 0,
    default: 0.1,
    description:
      "With `TELEMETRY_PROFILE=production`: a request that took this long or longer keeps its trace. The default is the inference latency SLO's threshold (a test checks the two agree).",
  },
  LOG_LEVEL: {
    type: "string",
    enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    default: "info",
    description: "Log level of the JSON logs on stdout.",
  },
} as const;

/** A setting's TypeScript type, read off its schema. */
type SettingType<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: "integer" | "number" }
    ? number
    : S extends { type: "string" }
      ? string
      : never;

/** The validated settings: every one has a default, so every one is present. */
export type Config = { -readonly [K in keyof typeof SETTINGS]: SettingType<(typeof SETTINGS)[K]> };

export const CONFIG_SCHEMA = {
  type: "object",
  properties: SETTINGS,
  required: Object.keys(SETTINGS) as (keyof Config)[],
} as const;

export class ConfigError extends Error {}

const validate = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true }).compile<Config>(
  CONFIG_SCHEMA,
);

/** Reads the settings this API knows from `env`, applies defaults, and fails with every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const candidate: Record<string, string> = {};
  for (const key of Object.keys(CONFIG_SCHEMA.properties)) {
    const value = env[key];
    if (value !== undefined && value !== "") candidate[key] = value;
  }
  if (!validate(candidate)) {
    const problems = (validate.errors ?? []).map(
      (e) => `${e.instancePath.slice(1) || "config"} ${e.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return candidate as unknown as Config;
}
