import { fileURLToPath } from "node:url";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import { protoPath as HEALTH_PROTO_PATH } from "grpc-health-check";

/** The Open Inference Protocol's gRPC service, from `ml-api/proto/` (beside `src/` and `dist/` alike). */
export const INFERENCE_PROTO_PATH = fileURLToPath(
  new URL("../../proto/open_inference_grpc.proto", import.meta.url),
);
export const INFERENCE_SERVICE = "inference.GRPCInferenceService";

/**
 * Field names as the proto spells them (snake_case), 64-bit integers as JavaScript numbers (a shape or
 * value beyond 2^53 is refused long before precision matters), and every absent field at its default so
 * handlers read no undefined.
 */
const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const inferencePackage: PackageDefinition = loadSync(INFERENCE_PROTO_PATH, LOADER_OPTIONS);
export const inferenceService = inferencePackage[INFERENCE_SERVICE] as ServiceDefinition;

/** Every service the server offers, for reflection: the protocol's and grpc.health.v1's. */
export const servedPackages: PackageDefinition = {
  ...inferencePackage,
  ...loadSync(HEALTH_PROTO_PATH, LOADER_OPTIONS),
};
