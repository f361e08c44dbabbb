import { randomUUID } from "node:crypto";
import { DiagLogLevel, diag } from "@opentelemetry/api";
import { getNodeAutoInstrumentations } from "@opentelemetry/auto-instrumentations-node";
import { setGlobalErrorHandler } from "@opentelemetry/core";
import { envDetector, hostDetector, osDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { Config } from "../config.js";
import { SERVER_VERSION } from "../server-info.js";
import type { ExportFailureLog } from "./export-failure-log.js";
import { metricReadersFromEnv, prometheusExporterPort } from "./metric-readers.js";
import { modelHistograms } from "./model-histograms.js";
import { applyOtelDefaults } from "./otel-defaults.js";
import { RequestContextManager } from "./request-context-manager.js";
import { keepingSpanProcessors } from "./span-processors.js";

/** `service.instance.id` is incubating in semantic conventions, so the package exports it only there. */
const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";

/** The HTTP instrumentation's name, which is also its key in the auto-instrumentations' configuration. */
const HTTP_INSTRUMENTATION = "@opentelemetry/instrumentation-http";

export interface Telemetry {
  /** Receives export failures; set once the logger exists. */
  failures: ExportFailureLog | undefined;
  /** What the SDK warned of while starting (unsupported OTEL_* values), before there was a logger. */
  readonly startupWarnings: string[];
  shutdown(): Promise<void>;
}

/** The API's own settings the telemetry reads. */
export type TelemetrySettings = Pick<Config, "TELEMETRY_PROFILE" | "TRACE_KEEP_RATIO" | "TRACE_SLOW_SECONDS">;

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard OTEL_* variables and `settings`. Called
 * before the app is imported, so the instrumentations patch http and pino as they load.
 */
export function startTelemetry(env: NodeJS.ProcessEnv, settings: TelemetrySettings): Telemetry {
  applyOtelDefaults(env);
  const scrapePort = prometheusExporterPort(env);
  const telemetry: Telemetry = {
    failures: undefined,
    startupWarnings: [],
    shutdown: async () => {
      await sdk.shutdown();
      telemetry.failures?.stop();
    },
  };
  const report = (error: unknown) => {
    if (telemetry.failures) telemetry.failures.note(error);
    else telemetry.startupWarnings.push(error instanceof Error ? error.message : String(error));
  };
  setGlobalErrorHandler(report);
  diag.setLogger(
    {
      error: (message) => report(message),
      warn: (message) => report(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  const instrumentations = getNodeAutoInstrumentations({
    "@opentelemetry/instrumentation-pino": { disableLogSending: true },
    [HTTP_INSTRUMENTATION]: {
      // The API's only outgoing requests are its own OTLP exports: metrics about them would be noise.
      disableOutgoingRequestInstrumentation: true,
      // Scrapes of the optional local /metrics endpoint are not API traffic.
      ignoreIncomingRequestHook: (request) => request.socket.localPort === scrapePort,
    },
    "@opentelemetry/instrumentation-host-metrics": { metricGroups: ["process.cpu", "process.memory"] },
    "@opentelemetry/instrumentation-grpc": {
      // Health probes and reflection are not API traffic, as the HTTP probes' spans would be noise; the
      // OTLP gRPC exporter's own calls (Export) would trace the tracing.
      ignoreGrpcMethods: ["Check", "Watch", "ServerReflectionInfo", "Export"],
    },
  });
  const sdk = new NodeSDK({
    // Stable for the life of the process, and no pid or command line: nothing that makes new series per start
    // beyond the instance id itself, which is what tells replicas apart.
    resource: resourceFromAttributes({
      [ATTR_SERVICE_VERSION]: SERVER_VERSION,
      [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
    }),
    resourceDetectors: [envDetector, hostDetector, osDetector],
    contextManager: new RequestContextManager(),
    metricReaders: metricReadersFromEnv(env, [modelHistograms]),
    instrumentations,
    // The full profile leaves the span processors to NodeSDK.
    spanProcessors:
      settings.TELEMETRY_PROFILE === "production"
        ? keepingSpanProcessors(env, {
            ratio: settings.TRACE_KEEP_RATIO,
            slowSeconds: settings.TRACE_SLOW_SECONDS,
          })
        : undefined,
  });
  sdk.start();
  return telemetry;
}
