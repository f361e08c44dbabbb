import { Server, ServerCredentials } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "pino";
import type { InferenceDeps } from "../serving/inference-call.js";
import type { RpcServerDuration } from "../telemetry/rpc-server-duration.js";
import { inferenceServiceImplementation } from "./inference-service.js";
import { INFERENCE_SERVICE, inferenceService, servedPackages } from "./service-definition.js";

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Largest message accepted; larger ones get RESOURCE_EXHAUSTED from grpc-js before any handler runs. */
  maxMessageBytes: number;
}

export interface RunningGrpcServer {
  port: number;
  /** Reports NOT_SERVING, lets calls in flight finish (up to `timeoutMs`), then closes every connection. */
  stop(timeoutMs: number): Promise<void>;
}

/** How often the health service's status follows the registry's readiness (models load and unload). */
const HEALTH_REFRESH_MS = 1000;

/**
 * The gRPC server: the protocol's inference service, `grpc.health.v1.Health` (the server, "", and the
 * inference service report SERVING while every model is ready, as `/v2/health/ready` answers 200) and
 * server reflection, so grpcurl and load balancers need no proto file.
 */
export async function startGrpcServer(
  deps: InferenceDeps,
  duration: RpcServerDuration,
  options: GrpcServerOptions,
  logger: Logger,
): Promise<RunningGrpcServer> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
  });
  server.addService(inferenceService, inferenceServiceImplementation(deps, duration, logger));

  const health = new HealthImplementation();
  let draining = false;
  const refreshHealth = () => {
    const status: ServingStatus = !draining && deps.registry.ready() ? "SERVING" : "NOT_SERVING";
    for (const service of ["", INFERENCE_SERVICE]) health.setStatus(service, status);
  };
  refreshHealth();
  const refresher = setInterval(refreshHealth, HEALTH_REFRESH_MS).unref();
  health.addToServer(server);
  new ReflectionService(servedPackages).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  const stop = async (timeoutMs: number) => {
    draining = true;
    clearInterval(refresher);
    refreshHealth();
    const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([drained, timeout]);
    server.forceShutdown();
  };
  return { port, stop };
}
