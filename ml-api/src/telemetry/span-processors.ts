import { diag } from "@opentelemetry/api";
import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { type OtlpProtocol, otlpProtocol } from "./otlp-protocol.js";
import { type KeepRule, TraceKeeper } from "./trace-keeper.js";

/** The OTLP trace exporter for each protocol. */
const OTLP_EXPORTERS: Record<OtlpProtocol, () => SpanExporter> = {
  "http/protobuf": () => new ProtobufTraceExporter(),
  "http/json": () => new JsonTraceExporter(),
  grpc: () => new GrpcTraceExporter(),
};

/**
 * The span processors NodeSDK builds from OTEL_TRACES_EXPORTER (otlp, console or none) and OTEL_BSP_*, each
 * behind a `TraceKeeper`: NodeSDK takes span processors whole or not at all, so the production profile
 * builds its own. The OTLP exporters read their endpoint and headers from process.env, as under NodeSDK.
 */
export function keepingSpanProcessors(env: NodeJS.ProcessEnv, rule: KeepRule): SpanProcessor[] {
  const names = [
    ...new Set(
      (env.OTEL_TRACES_EXPORTER || "otlp")
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  if (names.includes("none")) return [];
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === "otlp") {
      const exporter = OTLP_EXPORTERS[otlpProtocol(env, "TRACES")]();
      processors.push(new TraceKeeper(new BatchSpanProcessor({ exporter, ...batchSettings(env) }), rule));
    } else if (name === "console") {
      processors.push(
        new TraceKeeper(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }), rule),
      );
    } else diag.warn(`Unsupported OTEL_TRACES_EXPORTER value "${name}": use otlp, console or none.`);
  }
  return processors;
}

/** OTEL_BSP_*; an unset or invalid value leaves the processor's default, which is the specification's. */
function batchSettings(env: NodeJS.ProcessEnv) {
  const read = (name: string) => {
    const value = Number(env[name]);
    return env[name]?.trim() && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  return {
    maxQueueSize: read("OTEL_BSP_MAX_QUEUE_SIZE"),
    scheduledDelayMillis: read("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: read("OTEL_BSP_EXPORT_TIMEOUT"),
    maxExportBatchSize: read("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  };
}
