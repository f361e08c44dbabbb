import { performance } from "node:perf_hooks";
import {
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { rpcMethod } from "../../../contract/rpc-names.js";
import { ApiError, InvalidInputError, OverloadedError } from "../errors.js";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import { type InferenceDeps, recordRefusal, runInference } from "../serving/inference-call.js";
import { PLATFORM, signature, V2_EXTENSIONS } from "../serving/v2-protocol.js";
import type { RpcServerDuration } from "../telemetry/rpc-server-duration.js";
import type { ModelInferRequest, ModelRequest } from "./messages.js";
import { GRPC_INFER } from "./model-infer.js";
import { MalformedMessage } from "./service-definition.js";
import { SERVER_ERROR_CODES, statusName, toServiceError } from "./status.js";

type Handler = (request: never) => unknown;

/** The version a request names: the protocol's empty string means "the server picks". */
const versionOf = (version: string) => (version === "" ? undefined : version);

/**
 * `inference.GRPCInferenceService` on the same registry, validation, admission gate and model metrics as
 * the REST data plane. Every call is timed into `rpc.server.call.duration`; every error becomes a status
 * code with the message REST would give.
 */
export function inferenceServiceImplementation(
  deps: InferenceDeps,
  duration: RpcServerDuration,
  logger: Logger,
): UntypedServiceImplementation {
  const { registry, admission } = deps;
  const unary =
    (method: string, handle: Handler) =>
    (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      const finish = (code: number) =>
        duration.record(
          rpcMethod(method),
          statusName(code),
          SERVER_ERROR_CODES.includes(code),
          (performance.now() - started) / 1000,
        );
      Promise.resolve()
        .then(() => {
          if (call.request instanceof MalformedMessage) {
            throw new InvalidInputError(
              `message: not a valid ${method} request (${call.request.problem.slice(0, 200)})`,
              "malformed_message",
            );
          }
          return handle(call.request as never);
        })
        .then(
          (response) => {
            finish(status.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const failure = toServiceError(error);
            // As REST logs them: faults of the server; shed requests only in the metrics.
            if (!(error instanceof ApiError)) logger.error({ err: error, method }, "unhandled error");
            else if (error.status >= 500 && !(error instanceof OverloadedError))
              logger.warn({ err: error, method }, "request failed");
            finish(failure.code);
            callback(failure);
          },
        );
    };

  const modelInfer = async (request: ModelInferRequest) => {
    const model = { name: request.model_name, version: versionOf(request.model_version) };
    if (!admission.enter()) {
      recordRefusal(deps, model);
      throw new OverloadedError(admission.limit);
    }
    try {
      return await runInference(deps, GRPC_INFER, model, request);
    } finally {
      admission.leave();
    }
  };

  const handlers: Record<string, Handler> = {
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: registry.ready() }),
    ModelReady: ({ name, version }: ModelRequest) => ({ ready: registry.isReady(name, versionOf(version)) }),
    ServerMetadata: () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: V2_EXTENSIONS }),
    ModelMetadata: ({ name, version }: ModelRequest) =>
      registry.withModel(name, versionOf(version), async (model) => ({
        name,
        versions: registry.versionsOf(name),
        platform: PLATFORM,
        ...signature(model),
      })),
    ModelInfer: modelInfer,
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handle]) => [method, unary(method, handle)]),
  );
}
