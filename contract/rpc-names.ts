/**
 * Names of the API's gRPC side that its metrics carry as label values, for the rules and dashboards that
 * select on them: the service's methods (`rpc.method`) and the status codes (`rpc.status_code`) that blame
 * the server.
 */

/** The Open Inference Protocol's gRPC service, by its full name. */
export const INFERENCE_SERVICE = "inference.GRPCInferenceService";

/** `rpc.method` of one of the service's methods, as the semantic conventions write it. */
export function rpcMethod(method: string): string {
  return `${INFERENCE_SERVICE}/${method}`;
}

/**
 * Status codes that blame the server, as the gRPC semantic conventions list them for server spans: the
 * availability SLI counts them as failures. Every other code is the client's (or a normal answer).
 */
export const RPC_SERVER_ERROR_STATUSES = [
  "UNKNOWN",
  "DEADLINE_EXCEEDED",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
] as const;
