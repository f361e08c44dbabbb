import { join } from "node:path";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import { protoPath as HEALTH_PROTO_PATH } from "grpc-health-check";
import { INFERENCE_SERVICE } from "../../../contract/rpc-names.js";
import { PACKAGE_ROOT } from "../package-root.js";

export { INFERENCE_SERVICE };

/** The Open Inference Protocol's gRPC service, from `ml-api/proto/`. */
export const INFERENCE_PROTO_PATH = join(PACKAGE_ROOT, "ml-api", "proto", "open_inference_grpc.proto");

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

/** A request whose bytes are no valid message of its type: the handler answers INVALID_ARGUMENT. */
export class MalformedMessage {
  constructor(readonly problem: string) {}
}

/**
 * The inference service with request decoding that cannot fail: grpc-js answers a request that does not
 * decode with INTERNAL, which would blame the server for the client's bytes.
 */
export const inferenceService: ServiceDefinition = Object.fromEntries(
  Object.entries(inferencePackage[INFERENCE_SERVICE] as ServiceDefinition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new MalformedMessage(error instanceof Error ? error.message : String(error));
        }
      },
    },
  ]),
);

/** Every service the server offers, for reflection: the protocol's and grpc.health.v1's. */
export const servedPackages: PackageDefinition = {
  ...inferencePackage,
  ...loadSync(HEALTH_PROTO_PATH, LOADER_OPTIONS),
};
