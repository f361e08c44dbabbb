import { API_DIST } from "../../stack/layout.js";
/** Node arguments that load the OpenTelemetry SDK before the compiled API, as `npm start` does. */
export const REGISTER_SDK = ["--import", API_DIST.register];

/** One configuration of the API a per-request cost bench measures. */
export interface SdkVariant {
  name: string;
  env: Record<string, string>;
  sdk: boolean;
}

/** The configurations the per-request cost benches share; each adds its own after these. */
export const SDK_VARIANTS: readonly SdkVariant[] = [
  { name: "no SDK", env: {}, sdk: false },
  { name: "SDK, defaults", env: {}, sdk: true },
  { name: "SDK, nothing sampled", env: { OTEL_TRACES_SAMPLER: "always_off" }, sdk: true },
  { name: "SDK, traces not exported", env: { OTEL_TRACES_EXPORTER: "none" }, sdk: true },
  { name: "SDK, metrics not exported", env: { OTEL_METRICS_EXPORTER: "none" }, sdk: true },
];
