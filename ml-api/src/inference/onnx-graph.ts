/**
 * What an ONNX file declares: its inputs and outputs with element types and shapes, who wrote it, and the
 * class labels its classifier operators carry. Reading the graph is how a model's signature is found at
 * load, whatever exporter wrote it (skl2onnx, onnxmltools, torch.onnx.export).
 *
 * skl2onnx ends a classifier in a ZipMap, whose output (a sequence of maps) ONNX Runtime for Node cannot
 * return. Such outputs are replaced here by the ZipMap's input, the [N, C] probability tensor, so the
 * model serves as exported.
 */
import onnxProto from "onnx-proto";
import { ModelLoadError } from "./model-load-error.js";

// onnx-proto is CommonJS that assigns module.exports whole, so Node's ESM loader only offers the default export.
const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

/** Element types as ONNX Runtime's JavaScript tensors name them. */
export type ElementType =
  | "float32"
  | "float64"
  | "int64"
  | "int32"
  | "string"
  | "bool"
  | "float16"
  | "int8"
  | "int16"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "unknown";

const ELEMENT_TYPES: Record<number, ElementType> = {
  [DataType.FLOAT]: "float32",
  [DataType.DOUBLE]: "float64",
  [DataType.INT64]: "int64",
  [DataType.INT32]: "int32",
  [DataType.STRING]: "string",
  [DataType.BOOL]: "bool",
  [DataType.FLOAT16]: "float16",
  [DataType.INT8]: "int8",
  [DataType.INT16]: "int16",
  [DataType.UINT8]: "uint8",
  [DataType.UINT16]: "uint16",
  [DataType.UINT32]: "uint32",
  [DataType.UINT64]: "uint64",
};

/** One dimension: a size, or null when symbolic (a batch dimension) or absent. */
export type Dimension = number | null;

export interface GraphValue {
  name: string;
  /** "tensor" for a tensor; otherwise what the value is, for error messages (e.g. "sequence of maps"). */
  kind: "tensor" | string;
  elementType: ElementType;
  /** Undefined when the graph does not declare a shape. */
  shape?: Dimension[];
}

export interface OnnxGraph {
  /** The bytes to run: the file's own, or rewritten when a ZipMap output was replaced. */
  bytes: Uint8Array;
  inputs: GraphValue[];
  outputs: GraphValue[];
  producer: { name: string; version: string };
  /** Version of the default ("ai.onnx") operator set the graph imports. */
  opset: number;
  /** Class labels of the graph's classifier operator or ZipMap, in probability column order. */
  classLabels?: string[];
  /** Outputs that were ZipMaps, by original name, with the tensor output that replaced each. */
  zipMaps: Record<string, string>;
}

const CLASSIFIERS = new Set(["ZipMap", "TreeEnsembleClassifier", "LinearClassifier", "SVMClassifier"]);

export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelLoadError(`model.onnx is not an ONNX model: ${(error as Error).message}`, "invalid_onnx");
  }
  const graph = model.graph as onnxProto.onnx.GraphProto | null;
  if (!graph || graph.output.length === 0) {
    throw new ModelLoadError("model.onnx has no graph with outputs", "invalid_onnx");
  }
  const classLabels = findClassLabels(graph);
  const zipMaps = replaceZipMaps(graph, classLabels?.length);
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx")?.version;
  return {
    bytes: Object.keys(zipMaps).length > 0 ? onnx.ModelProto.encode(model).finish() : bytes,
    // Older exporters list initializers among the inputs; they are weights, not something to feed.
    inputs: graph.input.filter((v) => !initializers.has(v.name)).map(describe),
    outputs: graph.output.map(describe),
    producer: { name: model.producerName || "unknown", version: model.producerVersion || "unknown" },
    opset: Number(opset ?? 0),
    ...(classLabels ? { classLabels } : {}),
    zipMaps,
  };
}

function describe(value: onnxProto.onnx.IValueInfoProto): GraphValue {
  const name = value.name ?? "";
  const type = value.type;
  if (type?.tensorType) {
    const tensor = type.tensorType;
    const elementType = ELEMENT_TYPES[tensor.elemType ?? 0] ?? "unknown";
    const dims = tensor.shape?.dim;
    return {
      name,
      kind: "tensor",
      elementType,
      ...(dims
        ? {
            shape: dims.map((d) =>
              d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
                ? Number(d.dimValue)
                : null,
            ),
          }
        : {}),
    };
  }
  return { name, kind: kindOf(type), elementType: "unknown" };
}

function kindOf(type: onnxProto.onnx.ITypeProto | null | undefined): string {
  if (!type) return "value of undeclared type";
  if (type.sequenceType) return `sequence of ${type.sequenceType.elemType?.mapType ? "maps" : "values"}`;
  if (type.mapType) return "map";
  if (type.sparseTensorType) return "sparse tensor";
  if (type.optionalType) return "optional value";
  return "value of unknown type";
}

function attribute(node: onnxProto.onnx.INodeProto, name: string) {
  return node.attribute?.find((a) => a.name === name);
}

/** Labels of the first classifier operator (or ZipMap) that has them, as strings. */
function findClassLabels(graph: onnxProto.onnx.GraphProto): string[] | undefined {
  for (const node of graph.node) {
    if (!CLASSIFIERS.has(node.opType ?? "")) continue;
    const ints = attribute(node, "classlabels_int64s") ?? attribute(node, "classlabels_ints");
    if (ints?.ints && ints.ints.length > 0) return ints.ints.map((i) => String(Number(i)));
    const strings = attribute(node, "classlabels_strings");
    if (strings?.strings && strings.strings.length > 0) {
      return strings.strings.map((s) => Buffer.from(s).toString("utf8"));
    }
  }
  return undefined;
}

/**
 * Replaces every graph output a ZipMap produces with the ZipMap's input tensor (float [N, C]) and drops the
 * ZipMap node, whose maps nothing else needs.
 */
function replaceZipMaps(
  graph: onnxProto.onnx.GraphProto,
  classes: number | undefined,
): Record<string, string> {
  const replaced: Record<string, string> = {};
  // decode() builds NodeProto instances, whose repeated fields are arrays (empty when absent).
  const nodes = graph.node as onnxProto.onnx.NodeProto[];
  graph.output.forEach((output, i) => {
    const name = output.name ?? "";
    const node = nodes.find((n) => n.opType === "ZipMap" && n.output.includes(name));
    const source = node?.input[0];
    if (!node || !source) return;
    const consumers = nodes.filter((n) => n.input.includes(name));
    if (consumers.length > 0) return;
    graph.output[i] = onnx.ValueInfoProto.create({
      name: source,
      type: {
        tensorType: {
          elemType: DataType.FLOAT,
          shape: {
            dim: [{ dimParam: "N" }, classes === undefined ? { dimParam: "C" } : { dimValue: classes }],
          },
        },
      },
    });
    graph.node.splice(graph.node.indexOf(node), 1);
    replaced[name] = source;
  });
  return replaced;
}
