import { API_DIST } from "../../stack/layout.js";

/** Node arguments that load the OpenTelemetry SDK before the compiled API, as `npm start` does. */
export const REGISTER_SDK = ["--import", API_DIST.register];

/**
 * The setup a user starts from without inferwatch's: OpenTelemetry's zero-code instrumentation, every
 * default instrumentation and exporter, preloaded into the same compiled API.
 */
export const STOCK_ZERO_CODE = ["--require", "@opentelemetry/auto-instrumentations-node/register"];

/** One configuration of the API a per-request cost bench measures. */
export interface SdkVariant {
  name: string;
  env: Record<string, string>;
  /** Node arguments before the API's entry point: which SDK, if any, loads first. */
  nodeArgs: readonly string[];
}

export const NO_SDK: SdkVariant = { name: "no SDK", env: {}, nodeArgs: [] };
export const INFERWATCH_DEFAULTS: SdkVariant = {
  name: "inferwatch, defaults",
  env: {},
  nodeArgs: REGISTER_SDK,
};
export const INFERWATCH_PRODUCTION: SdkVariant = {
  name: "inferwatch, production profile",
  env: { TELEMETRY_PROFILE: "production" },
  nodeArgs: REGISTER_SDK,
};

/**
 * The stock setup with the resource detectors that read this machine only: its default also asks cloud
 * metadata services, at addresses off this machine that no bench may contact, once at start.
 */
export const STOCK: SdkVariant = {
  name: "stock zero-code",
  env: { OTEL_NODE_RESOURCE_DETECTORS: "env,host,os,process,serviceinstance,container" },
  nodeArgs: STOCK_ZERO_CODE,
};

/** The configurations the per-request cost benches share; each adds its own after these. */
export const SDK_VARIANTS: readonly SdkVariant[] = [
  NO_SDK,
  INFERWATCH_DEFAULTS,
  INFERWATCH_PRODUCTION,
  { name: "SDK, nothing sampled", env: { OTEL_TRACES_SAMPLER: "always_off" }, nodeArgs: REGISTER_SDK },
  { name: "SDK, traces not exported", env: { OTEL_TRACES_EXPORTER: "none" }, nodeArgs: REGISTER_SDK },
  { name: "SDK, metrics not exported", env: { OTEL_METRICS_EXPORTER: "none" }, nodeArgs: REGISTER_SDK },
];
