import { describe, expect, it } from "vitest";
import { INFERENCE_SERVICE, inferencePackage } from "../../ml-api/src/grpc/service-definition.js";

/**
 * The service definition in ml-api/proto/ against the Open Inference Protocol's
 * `open_inference_grpc.proto` (kserve/open-inference-protocol, specification/protocol/): every method,
 * message, field name, number, type and cardinality as the specification writes them, so stock clients
 * interoperate. The expectations are transcribed from the specification, not from the file under test.
 */
const SPEC_METHODS = [
  "ServerLive(ServerLiveRequest) returns (ServerLiveResponse)",
  "ServerReady(ServerReadyRequest) returns (ServerReadyResponse)",
  "ModelReady(ModelReadyRequest) returns (ModelReadyResponse)",
  "ServerMetadata(ServerMetadataRequest) returns (ServerMetadataResponse)",
  "ModelMetadata(ModelMetadataRequest) returns (ModelMetadataResponse)",
  "ModelInfer(ModelInferRequest) returns (ModelInferResponse)",
];

const PARAMETERS = (n: number) => `map<string, InferParameter> parameters = ${n}`;
const SPEC_MESSAGES: Record<string, string[]> = {
  ServerLiveRequest: [],
  ServerLiveResponse: ["bool live = 1"],
  ServerReadyRequest: [],
  ServerReadyResponse: ["bool ready = 1"],
  ModelReadyRequest: ["string name = 1", "string version = 2"],
  ModelReadyResponse: ["bool ready = 1"],
  ServerMetadataRequest: [],
  ServerMetadataResponse: ["string name = 1", "string version = 2", "repeated string extensions = 3"],
  ModelMetadataRequest: ["string name = 1", "string version = 2"],
  ModelMetadataResponse: [
    "string name = 1",
    "repeated string versions = 2",
    "string platform = 3",
    "repeated TensorMetadata inputs = 4",
    "repeated TensorMetadata outputs = 5",
    "map<string, string> properties = 6",
  ],
  "ModelMetadataResponse.TensorMetadata": [
    "string name = 1",
    "string datatype = 2",
    "repeated int64 shape = 3",
  ],
  ModelInferRequest: [
    "string model_name = 1",
    "string model_version = 2",
    "string id = 3",
    PARAMETERS(4),
    "repeated InferInputTensor inputs = 5",
    "repeated InferRequestedOutputTensor outputs = 6",
    "repeated bytes raw_input_contents = 7",
  ],
  "ModelInferRequest.InferInputTensor": [
    "string name = 1",
    "string datatype = 2",
    "repeated int64 shape = 3",
    PARAMETERS(4),
    "InferTensorContents contents = 5",
  ],
  "ModelInferRequest.InferRequestedOutputTensor": ["string name = 1", PARAMETERS(2)],
  ModelInferResponse: [
    "string model_name = 1",
    "string model_version = 2",
    "string id = 3",
    PARAMETERS(4),
    "repeated InferOutputTensor outputs = 5",
    "repeated bytes raw_output_contents = 6",
  ],
  "ModelInferResponse.InferOutputTensor": [
    "string name = 1",
    "string datatype = 2",
    "repeated int64 shape = 3",
    PARAMETERS(4),
    "InferTensorContents contents = 5",
  ],
  InferParameter: [
    "oneof parameter_choice bool bool_param = 1",
    "oneof parameter_choice int64 int64_param = 2",
    "oneof parameter_choice string string_param = 3",
    "oneof parameter_choice double double_param = 4",
    "oneof parameter_choice uint64 uint64_param = 5",
  ],
  InferTensorContents: [
    "repeated bool bool_contents = 1",
    "repeated int32 int_contents = 2",
    "repeated int64 int64_contents = 3",
    "repeated uint32 uint_contents = 4",
    "repeated uint64 uint64_contents = 5",
    "repeated float fp32_contents = 6",
    "repeated double fp64_contents = 7",
    "repeated bytes bytes_contents = 8",
  ],
};

interface Field {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
  oneofIndex?: number;
}
interface Descriptor {
  name: string;
  field: Field[];
  nestedType?: Descriptor[];
  oneofDecl?: { name: string }[];
  options?: { mapEntry?: boolean } | null;
}

const scalar = (f: Field, entries: Map<string, Descriptor>): string => {
  if (f.type !== "TYPE_MESSAGE") return f.type.replace("TYPE_", "").toLowerCase();
  const short = f.typeName.split(".").at(-1) as string;
  const entry = entries.get(short);
  if (!entry) return short;
  const [key, value] = entry.field.map((e) => scalar(e, entries));
  return `map<${key}, ${value}>`;
};

/** Each message and nested message as proto source would declare its fields, maps written as maps. */
function declared(descriptor: Descriptor, path: string, out: Record<string, string[]>) {
  const entries = new Map(
    (descriptor.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]),
  );
  out[path] = descriptor.field.map((f) => {
    const type = scalar(f, entries);
    const repeated = f.label === "LABEL_REPEATED" && !type.startsWith("map<") ? "repeated " : "";
    const oneof = descriptor.oneofDecl?.length
      ? `oneof ${descriptor.oneofDecl[f.oneofIndex ?? 0]?.name} `
      : "";
    return `${oneof}${repeated}${type} ${f.name} = ${f.number}`;
  });
  for (const nested of descriptor.nestedType ?? []) {
    if (!nested.options?.mapEntry) declared(nested, `${path}.${nested.name}`, out);
  }
  return out;
}

describe("the service definition", () => {
  it("is the specification's package, service and methods", () => {
    const service = inferencePackage[INFERENCE_SERVICE] as Record<
      string,
      { path: string; requestType: { type: Descriptor }; responseType: { type: Descriptor } }
    >;
    expect(INFERENCE_SERVICE).toBe("inference.GRPCInferenceService");
    expect(
      Object.entries(service).map(
        ([name, m]) => `${name}(${m.requestType.type.name}) returns (${m.responseType.type.name})`,
      ),
    ).toEqual(SPEC_METHODS);
    for (const [name, method] of Object.entries(service)) {
      expect(method.path).toBe(`/inference.GRPCInferenceService/${name}`);
    }
  });

  it("declares every message and field exactly as the specification does", () => {
    const out: Record<string, string[]> = {};
    for (const [name, definition] of Object.entries(inferencePackage)) {
      const type = (definition as { type?: Descriptor }).type;
      if (type && name.startsWith("inference.")) declared(type, name.slice("inference.".length), out);
    }
    expect(out).toEqual(SPEC_MESSAGES);
  });
});
