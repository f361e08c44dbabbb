import { type Client, credentials, loadPackageDefinition, Metadata, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { INFERENCE_PROTO_PATH } from "../../ml-api/src/grpc/service-definition.js";

/** Messages as a client reads them: numbers for 64-bit fields, every field present. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into response messages without declaring every shape
export type Message = any;

export interface GrpcResult {
  error?: ServiceError;
  response?: Message;
}

export interface InferenceClient {
  /** Calls a unary method of `inference.GRPCInferenceService`; a status other than OK is in `error`. */
  call(method: string, request: Message, metadata?: Metadata): Promise<GrpcResult>;
  close(): void;
}

const definition = loadPackageDefinition(
  loadSync(INFERENCE_PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true }),
) as Message;

type UnaryMethod = (
  request: Message,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: Message) => void,
) => void;

/** A real gRPC client (grpc-js over HTTP/2, plaintext) for the protocol's service on `port`. */
export function inferenceClient(port: number, options: Record<string, number> = {}): InferenceClient {
  const client: Client & Record<string, UnaryMethod> = new definition.inference.GRPCInferenceService(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    options,
  );
  return {
    call: (method, request, metadata = new Metadata()) =>
      new Promise((resolve) => {
        (client[method] as UnaryMethod).call(
          client,
          request,
          metadata,
          (error: ServiceError | null, response: Message) => resolve(error ? { error } : { response }),
        );
      }),
    close: () => client.close(),
  };
}

/** A ModelInfer request with typed contents, one tensor per feature, from V1-style instances. */
export function inferRequest(
  model: string,
  instances: Record<string, number | string | null>[],
  extra: Record<string, unknown> = {},
): Message {
  const names = Object.keys(instances[0] ?? {});
  return {
    model_name: model,
    ...extra,
    inputs: names.map((name) => {
      const values = instances.map((i) => i[name] ?? null);
      const numeric = values.some((v) => typeof v === "number");
      return {
        name,
        datatype: numeric ? "FP32" : "BYTES",
        shape: [values.length],
        contents: numeric
          ? { fp32_contents: values.map((v) => (v === null ? Number.NaN : v)) }
          : { bytes_contents: values.map((v) => Buffer.from(String(v ?? ""))) },
      };
    }),
  };
}
