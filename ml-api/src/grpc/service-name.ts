/** The protocol's gRPC service, by its full name: what `rpc.method` values and health checks name. */
export const INFERENCE_SERVICE = "inference.GRPCInferenceService";

/** `rpc.method` of one of the service's methods, as the semantic conventions write it. */
export function rpcMethod(method: string): string {
  return `${INFERENCE_SERVICE}/${method}`;
}
