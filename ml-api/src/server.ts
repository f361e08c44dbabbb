import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Meter, metrics } from "@opentelemetry/api";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import { startGrpcServer } from "./grpc/grpc-server.js";
import { ModelRegistry } from "./inference/model-registry.js";
import { ModelRepository } from "./inference/model-repository.js";
import { PredictionIds } from "./inference/prediction-ids.js";
import { readSecrets } from "./secrets.js";
import { SERVER_NAME, SERVER_VERSION } from "./server-info.js";
import { AdmissionGate } from "./serving/admission-gate.js";
import type { InferenceDeps } from "./serving/inference-call.js";
import type { HistogramProducer } from "./telemetry/histogram-producer.js";
import { modelHistograms } from "./telemetry/model-histograms.js";
import { ModelMetrics } from "./telemetry/model-metrics.js";
import { RpcServerDuration } from "./telemetry/rpc-server-duration.js";

export interface RunningServer {
  server: Server;
  registry: ModelRegistry;
  port: number;
  /** The gRPC port bound (GRPC_PORT, or the one the OS picked for 0). */
  grpcPort: number;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), releases the models. */
  stop(): Promise<void>;
}

/** Where the model metrics go: the meter for instruments and the histograms the readers collect. */
export interface MetricsOutput {
  meter: Meter;
  histograms: HistogramProducer;
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
  const deps: InferenceDeps = {
    registry,
    metrics: modelMetrics,
    maxBatchRows: config.MAX_BATCH_ROWS,
    // One gate for both protocols: MAX_INFLIGHT_REQUESTS bounds REST and gRPC inference together.
    admission: new AdmissionGate(config.MAX_INFLIGHT_REQUESTS),
    predictionIds: new PredictionIds(secrets.predictionIdKey),
  };
  const grpc = await startGrpcServer(
    deps,
    new RpcServerDuration(output.meter),
    { host: config.HOST, port: config.GRPC_PORT, maxMessageBytes: config.MAX_BODY_BYTES },
    logger,
  );
  const app = createApp(deps, config, logger, secrets.controlToken);
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
    await Promise.all([Promise.race([closed, timeout]), grpc.stop(config.SHUTDOWN_TIMEOUT_MS)]);
    server.closeAllConnections();
    await registry.close();
  };
  return { server, registry, port, grpcPort: grpc.port, stop };
}
