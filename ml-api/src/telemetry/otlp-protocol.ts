import { diag } from "@opentelemetry/api";

/** The OTLP transports the SDK's exporters offer, each a package of its own per signal. */
export const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * The protocol a signal's OTLP exporter uses: OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else
 * OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf, as NodeSDK reads them; an unknown value warns and falls
 * back to http/protobuf, as NodeSDK does.
 */
export function otlpProtocol(env: NodeJS.ProcessEnv, signal: "METRICS" | "TRACES"): OtlpProtocol {
  const value =
    (env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] || env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() ||
    "http/protobuf";
  if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  diag.warn(`Unsupported OTLP ${signal.toLowerCase()} protocol "${value}": using http/protobuf.`);
  return "http/protobuf";
}
