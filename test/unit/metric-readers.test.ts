import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../contract/metric-catalogue.js";
import { HistogramProducer } from "../../ml-api/src/telemetry/histogram-producer.js";
import { metricReadersFromEnv } from "../../ml-api/src/telemetry/metric-readers.js";
import { freePort } from "../support/free-port.js";

const HOUR = String(3_600_000);

function recordedHistograms(): HistogramProducer {
  const histograms = new HistogramProducer({ name: "test" });
  histograms.series(METRICS.rows, { "model.name": "m", "model.version": "1" }).record(3);
  return histograms;
}

describe("metric readers from OTEL_* variables", () => {
  it("builds none when OTEL_METRICS_EXPORTER says none, whatever else it lists", () => {
    expect(metricReadersFromEnv({ OTEL_METRICS_EXPORTER: "otlp, none" }, [])).toEqual([]);
  });

  it("builds one OTLP reader by default, and one per exporter named, repeats ignored", () => {
    const byDefault = metricReadersFromEnv({ OTEL_METRIC_EXPORT_INTERVAL: HOUR }, []);
    const repeated = metricReadersFromEnv(
      { OTEL_METRICS_EXPORTER: "otlp,console,otlp", OTEL_METRIC_EXPORT_INTERVAL: HOUR },
      [],
    );
    expect(byDefault.map((r) => r.constructor)).toEqual([PeriodicExportingMetricReader]);
    expect(repeated).toHaveLength(2);
  });

  it("hands the model histograms to each reader: OTLP exports them, Prometheus serves them", async () => {
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        bodies.push(body);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const promPort = await freePort();
    // The OTLP exporters read their endpoint from process.env themselves, as under NodeSDK.
    const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      const readers = metricReadersFromEnv(
        {
          OTEL_METRICS_EXPORTER: "otlp,prometheus",
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json",
          OTEL_METRIC_EXPORT_INTERVAL: HOUR,
          OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
          OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
        },
        [recordedHistograms()],
      );
      const provider = new MeterProvider({ readers });
      const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
      expect(text).toContain(`${METRICS.rows.name.replace(/\./g, "_")}_count{`);
      // Shutting down exports once more, and that export is the one the receiver sees.
      await provider.shutdown();
      expect(bodies.some((b) => b.includes(`"${METRICS.rows.name}"`))).toBe(true);
    } finally {
      if (endpoint === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
      receiver.close();
    }
  });
});
