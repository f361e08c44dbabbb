import { diag } from "@opentelemetry/api";
import { OTLPMetricExporter as GrpcMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtobufMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InstrumentType,
  type MetricProducer,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { type OtlpProtocol, otlpProtocol } from "./otlp-protocol.js";

/**
 * The metric readers NodeSDK builds from the standard variables (OTEL_METRICS_EXPORTER, the OTLP protocol,
 * OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT, the Prometheus exporter's host and port), with the same
 * defaults, plus `producers` attached to each. The OTLP exporters read their own endpoint, headers and
 * temporality from process.env, as they do under NodeSDK.
 *
 * SDK workaround, there only for the model histograms' producer (histogram-producer.ts, which says what it
 * save): NodeSDK takes metric readers whole or builds them all from OTEL_* itself, with no way to attach a
 * MetricProducer to the ones it builds; no upstream issue asks for one. Goes with that producer.
 */
export function metricReadersFromEnv(env: NodeJS.ProcessEnv, producers: MetricProducer[]): MetricReader[] {
  const exporters = metricExporterNames(env);
  if (exporters.includes("none")) return [];
  const periodic = (exporter: PushMetricExporter) =>
    new PeriodicExportingMetricReader({ exporter, ...exportSchedule(env), metricProducers: producers });
  const readers: MetricReader[] = [];
  for (const name of exporters) {
    if (name === "otlp") readers.push(periodic(otlpExporter(env)));
    else if (name === "prometheus") {
      readers.push(
        new PrometheusExporter({
          host: env.OTEL_EXPORTER_PROMETHEUS_HOST || undefined,
          port: prometheusExporterPort(env),
          metricProducers: producers,
        }),
      );
    } else if (name === "console") readers.push(periodic(new ConsoleMetricExporter()));
    else
      diag.warn(`Unsupported OTEL_METRICS_EXPORTER value "${name}": use otlp, prometheus, console or none.`);
  }
  return readers;
}

/** Port of the Prometheus exporter when OTEL_METRICS_EXPORTER turns it on, with the SDK's default. */
export function prometheusExporterPort(env: NodeJS.ProcessEnv): number | undefined {
  if (!metricExporterNames(env).includes("prometheus")) return undefined;
  return Number(env.OTEL_EXPORTER_PROMETHEUS_PORT || PrometheusExporter.DEFAULT_OPTIONS.port);
}

/** OTEL_METRICS_EXPORTER as a list without repeats; otlp when unset. */
function metricExporterNames(env: NodeJS.ProcessEnv): string[] {
  const names = (env.OTEL_METRICS_EXPORTER ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : ["otlp"];
}

/** The specification's defaults, 60 s and 30 s; a timeout longer than the interval is cut to it. */
function exportSchedule(env: NodeJS.ProcessEnv) {
  const millis = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name]?.trim() && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const exportIntervalMillis = millis("OTEL_METRIC_EXPORT_INTERVAL", 60_000);
  const exportTimeoutMillis = Math.min(millis("OTEL_METRIC_EXPORT_TIMEOUT", 30_000), exportIntervalMillis);
  return { exportIntervalMillis, exportTimeoutMillis };
}

/** The OTLP metric exporter for each protocol. */
const OTLP_EXPORTERS: Record<OtlpProtocol, () => PushMetricExporter> = {
  "http/protobuf": () => new ProtobufMetricExporter(),
  "http/json": () => new JsonMetricExporter(),
  grpc: () => new GrpcMetricExporter(),
};

function otlpExporter(env: NodeJS.ProcessEnv): PushMetricExporter {
  const exporter = OTLP_EXPORTERS[otlpProtocol(env, "METRICS")]();
  // An exporter that states no preference gets the reader's default, cumulative.
  const temporality =
    exporter.selectAggregationTemporality?.(InstrumentType.HISTOGRAM) ?? AggregationTemporality.CUMULATIVE;
  if (temporality !== AggregationTemporality.CUMULATIVE) {
    diag.warn("Model histograms are exported cumulative whatever the temporality preference.");
  }
  return exporter;
}
