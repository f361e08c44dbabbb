import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Meter, metrics } from "@opentelemetry/api";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { ModelRegistry } from "./inference/model-registry.js";
import { ModelRepository } from "./inference/model-repository.js";
import { readSecrets } from "./secrets.js";
import { SERVER_NAME, SERVER_VERSION } from "./server-info.js";
import type { HistogramCells } from "./telemetry/histogram-cells.js";
import { modelHistograms } from "./telemetry/model-histograms.js";
import { ModelMetrics } from "./telemetry/model-metrics.js";

export interface RunningServer {
  server: Server;
  registry: ModelRegistry;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), releases the models. */
  stop(): Promise<void>;
}

/** Where the model metrics go: the meter for instruments and the histograms the readers collect. */
export interface MetricsOutput {
  meter: Meter;
  histograms: HistogramCells;
}

/**
 * Loads every model, then listens; the returned handle is what tests and the process entry point use.
 * Metrics go to the global meter the OpenTelemetry SDK registered and the process's model histograms, or
 * to a test's own.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  output: MetricsOutput = {
    meter: metrics.getMeter(SERVER_NAME, SERVER_VERSION),
    histograms: modelHistograms,
  },
): Promise<RunningServer> {
  const secrets = readSecrets(config);
  if (secrets.predictionIdKeyIsEphemeral) {
    logger.warn(
      "PREDICTION_ID_KEY_FILE is not set: prediction ids are signed with this process's own random key, so labels sent to another replica or after a restart are rejected as unknown_id",
    );
  }
  const modelMetrics = new ModelMetrics(
    output.meter,
    output.histograms,
    () => registry.views(),
    config.DRIFT_PSI_THRESHOLD,
  );
  const registry: ModelRegistry = new ModelRegistry(new ModelRepository(config.MODEL_REPOSITORY), {
    session: { intraOpThreads: config.ORT_INTRA_OP_THREADS },
    drift: { size: config.DRIFT_WINDOW_SIZE, minSamples: config.DRIFT_MIN_SAMPLES },
    metrics: modelMetrics,
  });
  await registry.loadAll();
  for (const s of registry.statuses()) {
    logger[s.state === "ready" ? "info" : "error"](
      { model: s.name, version: s.version, state: s.state, reason: s.reason },
      "model",
    );
  }
  const app = createApp({ registry, metrics: modelMetrics, config, logger, secrets });
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;

  // Drain politely: responses still to be written during shutdown tell the client the connection ends,
  // so keep-alive clients reconnect elsewhere instead of writing into a closing socket.
  let draining = false;
  const unanswered = new Set<ServerResponse>();
  server.prependListener("request", (_req, res: ServerResponse) => {
    if (draining) res.setHeader("Connection", "close");
    unanswered.add(res);
    res.once("close", () => unanswered.delete(res));
  });

  const stop = async () => {
    draining = true;
    for (const res of unanswered) if (!res.headersSent) res.setHeader("Connection", "close");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
    server.closeIdleConnections();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS).unref());
    await Promise.race([closed, timeout]);
    server.closeAllConnections();
    await registry.close();
  };
  return { server, registry, port, stop };
}
