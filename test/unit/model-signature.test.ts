import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { type LoadFailure, ModelLoadError } from "../../ml-api/src/inference/model-load-error.js";
import { readOnnxGraph } from "../../ml-api/src/inference/onnx-graph.js";
import type { FeatureProfile, ModelProfile } from "../../ml-api/src/inference/profile.js";
import { resolveSignature, type SignatureHints } from "../../ml-api/src/inference/signature.js";

// onnx-proto is CommonJS that assigns module.exports whole, so Node's ESM loader only offers the default export.
const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

/** A declared value: an element type and dims ("N" symbolic), or a sequence of maps, or no shape at all. */
type Value = { name: string; type: number; dims?: (number | "N")[] } | { name: string; sequenceOfMaps: true };

function valueInfo(v: Value): onnxProto.onnx.IValueInfoProto {
  if ("sequenceOfMaps" in v) {
    return {
      name: v.name,
      type: {
        sequenceType: {
          elemType: { mapType: { keyType: T.STRING, valueType: { tensorType: { elemType: T.FLOAT } } } },
        },
      },
    };
  }
  const shape = v.dims && { dim: v.dims.map((d) => (d === "N" ? { dimParam: "N" } : { dimValue: d })) };
  return { name: v.name, type: { tensorType: { elemType: v.type, ...(shape ? { shape } : {}) } } };
}

/** A graph that only declares inputs and outputs: the signature is resolved before any session exists. */
function graph(inputs: Value[], outputs: Value[], nodes: onnxProto.onnx.INodeProto[] = []): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name: "g", node: nodes, input: inputs.map(valueInfo), output: outputs.map(valueInfo) },
  }).finish();
}

const numeric = (name: string): FeatureProfile => ({
  name,
  type: "numeric",
  validRange: { min: 0, max: 1 },
  decileEdges: [],
  binShares: [],
  mean: 0,
  std: 1,
  imputeValue: 0,
  missingShare: 0,
});
const categorical = (name: string): FeatureProfile => ({
  name,
  type: "categorical",
  categories: ["a", "b"],
  shares: {},
  missingShare: 0,
});

function profile(features: ModelProfile["features"], classes: string[] = ["x", "y", "z"]): ModelProfile {
  return { schemaVersion: 1, features, classes, classShares: {}, trainingRows: 1 };
}

const FOUR = profile(["a", "b", "c", "d"].map(numeric));
const CLASSIFIER: SignatureHints = { task: "classification", inputs: "graph" };
const REGRESSOR: SignatureHints = { task: "regression", inputs: "graph" };
const MATRIX = { name: "float_input", type: T.FLOAT, dims: ["N", 4] } as Value;
const SCORES = { name: "probabilities", type: T.FLOAT, dims: ["N", 3] } as Value;

function failure(bytes: Uint8Array, p: ModelProfile, hints: SignatureHints): ModelLoadError {
  try {
    resolveSignature(readOnnxGraph(bytes), p, hints);
  } catch (error) {
    if (error instanceof ModelLoadError) return error;
    throw error;
  }
  throw new Error("the signature resolved");
}

const CASES: [string, () => ModelLoadError, LoadFailure, string][] = [
  [
    "bytes that are no ONNX model",
    () => failure(new TextEncoder().encode("not a model at all"), FOUR, CLASSIFIER),
    "invalid_onnx",
    "model.onnx",
  ],
  [
    "a sequence-of-maps output no ZipMap produces",
    () => failure(graph([MATRIX], [{ name: "probs", sequenceOfMaps: true }]), FOUR, CLASSIFIER),
    "unsupported_output",
    'output "probs" (sequence of maps)',
  ],
  [
    "a per-feature input of an unsupported element type",
    () =>
      failure(
        graph(
          ["a", "b", "c", "d"].map((name) => ({ name, type: T.INT32, dims: ["N", 1] })),
          [SCORES],
        ),
        FOUR,
        CLASSIFIER,
      ),
    "unsupported_input",
    'input "a" (int32 tensor [N, 1])',
  ],
  [
    "several inputs not named after the features",
    () =>
      failure(
        graph(
          [
            { name: "a", type: T.FLOAT, dims: ["N", 1] },
            { name: "q", type: T.FLOAT, dims: ["N", 1] },
          ],
          [SCORES],
        ),
        FOUR,
        CLASSIFIER,
      ),
    "unsupported_input",
    'input "q"',
  ],
  [
    "a matrix input wider than the features",
    () =>
      failure(graph([{ name: "float_input", type: T.FLOAT, dims: ["N", 5] }], [SCORES]), FOUR, CLASSIFIER),
    "profile_mismatch",
    'input "float_input" has 5 columns but the profile lists 4 features',
  ],
  [
    "a string matrix input",
    () => failure(graph([{ name: "text", type: T.STRING, dims: ["N", 4] }], [SCORES]), FOUR, CLASSIFIER),
    "unsupported_input",
    'input "text" (string tensor [N, 4])',
  ],
  [
    "a string input for a numeric feature",
    () =>
      failure(
        graph(
          ["a", "b", "c", "d"].map((name) => ({
            name,
            type: name === "b" ? T.STRING : T.FLOAT,
            dims: ["N"],
          })),
          [SCORES],
        ),
        FOUR,
        CLASSIFIER,
      ),
    "profile_mismatch",
    'input "b" is string but the profile has feature "b" as numeric',
  ],
  [
    "an input whose shape the graph does not declare",
    () => failure(graph([{ name: "float_input", type: T.FLOAT }], [SCORES]), FOUR, CLASSIFIER),
    "unsupported_input",
    'input "float_input" (float32 tensor of undeclared shape)',
  ],
  [
    "a score output with more columns than classes",
    () =>
      failure(graph([MATRIX], [{ name: "probabilities", type: T.FLOAT, dims: ["N", 4] }]), FOUR, CLASSIFIER),
    "profile_mismatch",
    'output "probabilities" (float32 tensor [N, 4]) gives 4 columns but the profile lists 3 classes',
  ],
  [
    "one probability column for three classes",
    () => failure(graph([MATRIX], [{ name: "p", type: T.FLOAT, dims: ["N", 1] }]), FOUR, CLASSIFIER),
    "profile_mismatch",
    "one probability column, which needs 2 classes",
  ],
  [
    "class labels in the graph that differ from the profile's",
    () =>
      failure(
        graph(
          [MATRIX],
          [SCORES],
          [
            {
              opType: "LinearClassifier",
              domain: "ai.onnx.ml",
              input: ["float_input"],
              output: ["label", "probabilities"],
              attribute: [
                {
                  name: "classlabels_strings",
                  type: onnx.AttributeProto.AttributeType.STRINGS,
                  strings: ["x", "y", "w"].map((s) => new TextEncoder().encode(s)),
                },
              ],
            },
          ],
        ),
        FOUR,
        CLASSIFIER,
      ),
    "profile_mismatch",
    "labels its classes [x, y, w] but the profile lists [x, y, z]",
  ],
  [
    "a regressor whose output has several columns",
    () => failure(graph([MATRIX], [{ name: "variable", type: T.FLOAT, dims: ["N", 3] }]), FOUR, REGRESSOR),
    "unsupported_output",
    'output "variable" (float32 tensor [N, 3]): a regressor needs one float or double [N] or [N, 1] value output',
  ],
  [
    "an integer output where a classifier's scores should be",
    () => failure(graph([MATRIX], [{ name: "label", type: T.INT64, dims: ["N"] }]), FOUR, CLASSIFIER),
    "unsupported_output",
    'output "label" (int64 tensor [N]): a classifier needs a float or double score output',
  ],
  [
    "the one-hot contract on a graph with two inputs",
    () =>
      failure(
        graph(
          [
            { name: "a", type: T.FLOAT, dims: ["N", 2] },
            { name: "b", type: T.FLOAT, dims: ["N", 2] },
          ],
          [SCORES],
        ),
        profile([numeric("a"), categorical("b")]),
        { task: "classification", inputs: "one-hot" },
      ),
    "unsupported_input",
    "the one-hot contract, which needs one float32 [N, 3] input",
  ],
];

describe("model signature from the ONNX graph", () => {
  it.each(CASES)("refuses %s, naming the input or output", (_what, attempt, reason, message) => {
    const error = attempt();
    expect(error.failure).toBe(reason);
    expect(error.message).toContain(message);
  });

  it("replaces a ZipMap output by its probability tensor and takes the ZipMap's class labels", () => {
    const zipMap: onnxProto.onnx.INodeProto = {
      opType: "ZipMap",
      domain: "ai.onnx.ml",
      input: ["probabilities"],
      output: ["output_probability"],
      attribute: [
        {
          name: "classlabels_strings",
          type: onnx.AttributeProto.AttributeType.STRINGS,
          strings: ["x", "y", "z"].map((s) => new TextEncoder().encode(s)),
        },
      ],
    };
    const read = readOnnxGraph(
      graph([MATRIX], [{ name: "output_probability", sequenceOfMaps: true }], [zipMap]),
    );
    expect(read.zipMaps).toEqual({ output_probability: "probabilities" });
    expect(read.classLabels).toEqual(["x", "y", "z"]);
    const signature = resolveSignature(read, FOUR, CLASSIFIER);
    expect(signature.input).toEqual({
      layout: "matrix",
      name: "float_input",
      elementType: "float32",
      columns: 4,
    });
    expect(signature.output).toMatchObject({
      task: "classification",
      name: "probabilities",
      singleColumn: false,
    });
  });
});
