/**
 * A model's signature: how the API feeds the graph the rows a request carries, and how it reads the
 * answer. It is resolved at load from what the ONNX graph declares (onnx-graph.ts), the features of the
 * profile and the few facts only the card can give (the task, whether scores are logits, whether the
 * model follows the one-hot contract). Anything outside the supported forms fails the load with a message
 * naming the input or output.
 */

import { ModelLoadError } from "./model-load-error.js";
import type { ElementType, GraphValue, OnnxGraph } from "./onnx-graph.js";
import type { FeatureProfile, ModelProfile } from "./profile.js";

export const TASKS = ["classification", "regression"] as const;
export type Task = (typeof TASKS)[number];

/** Raw logits get a softmax from the API; probabilities are served as the graph gives them. */
export type ScoreKind = "probabilities" | "logits";

/**
 * How inputs are laid out. `one-hot`: the inferwatch contract of the bundled models, one float32 [N, D]
 * input whose one-hot columns the API computes. `graph`: the inputs the graph declares, either one numeric
 * [N, D] tensor of the features in profile order, or one [N] / [N, 1] tensor per feature named after it.
 */
export type InputContract = "one-hot" | "graph";

/** What the card records about serving (`card.signature`), beside what the graph declares. */
export interface SignatureHints {
  task: Task;
  inputs: InputContract;
  /** Classification only; probabilities when absent. */
  scores?: ScoreKind;
}

export type NumericElementType = "float32" | "float64" | "int64";
export type ColumnElementType = NumericElementType | "string";
const NUMERIC_TYPES: readonly ElementType[] = ["float32", "float64", "int64"];
const COLUMN_TYPES: readonly ElementType[] = [...NUMERIC_TYPES, "string"];
const SCORE_TYPES: readonly ElementType[] = ["float32", "float64"];

export interface ColumnInput {
  name: string;
  elementType: ColumnElementType;
  /** [N] or [N, 1]. */
  rank: 1 | 2;
}

export type InputBinding =
  | { layout: "one-hot"; name: string; columns: number }
  | { layout: "matrix"; name: string; elementType: NumericElementType; columns: number }
  /** One input per profile feature, in profile order. */
  | { layout: "columns"; inputs: ColumnInput[] };

export type OutputBinding =
  | {
      task: "classification";
      /** The [N, C] (or, for a binary model, [N] / [N, 1] positive-class) score output. */
      name: string;
      elementType: "float32" | "float64";
      scores: ScoreKind;
      /** One column holding the positive class's probability: the negative's is its complement. */
      singleColumn: boolean;
    }
  | { task: "regression"; name: string; elementType: "float32" | "float64" };

export interface ModelSignature {
  input: InputBinding;
  output: OutputBinding;
  /** The graph's inputs and outputs as declared, after any ZipMap was replaced, for metadata and cards. */
  graph: { inputs: GraphValue[]; outputs: GraphValue[] };
}

const SUPPORTED_INPUTS =
  "one numeric (float, double or int64) [N, D] tensor of the features in profile order, or one [N] or " +
  "[N, 1] tensor (float, double, int64 or string) per feature, named after it";
const SUPPORTED_OUTPUTS =
  "a float or double [N, C] probability or logit tensor (with or without a label tensor, or a ZipMap of " +
  "it), a binary model's [N] or [N, 1] probability column, or a regression value [N] or [N, 1]";

const shapeText = (value: GraphValue) =>
  value.shape ? `[${value.shape.map((d) => d ?? "N").join(", ")}]` : "of undeclared shape";
const describe = (value: GraphValue) =>
  value.kind === "tensor" ? `${value.elementType} tensor ${shapeText(value)}` : value.kind;

/** Number of float32 columns the one-hot contract's input has for these features. */
export function oneHotColumns(features: readonly FeatureProfile[]): number {
  return features.reduce((n, f) => n + (f.type === "numeric" ? 1 : f.categories.length), 0);
}

export function resolveSignature(
  graph: OnnxGraph,
  profile: ModelProfile,
  hints: SignatureHints,
): ModelSignature {
  return {
    input: resolveInput(graph.inputs, profile.features, hints.inputs),
    output: resolveOutput(graph, profile, hints),
    graph: { inputs: graph.inputs, outputs: graph.outputs },
  };
}

function inputError(value: GraphValue | undefined, problem: string): ModelLoadError {
  const at = value ? `input "${value.name}" (${describe(value)})` : "the model's inputs";
  return new ModelLoadError(`${at}: ${problem}; supported: ${SUPPORTED_INPUTS}`, "unsupported_input");
}

function resolveInput(
  inputs: readonly GraphValue[],
  features: readonly FeatureProfile[],
  contract: InputContract,
): InputBinding {
  if (contract === "one-hot") {
    const columns = oneHotColumns(features);
    const input = inputs[0];
    if (inputs.length !== 1 || !input || input.elementType !== "float32" || input.shape?.length !== 2) {
      throw new ModelLoadError(
        `the card declares the one-hot contract, which needs one float32 [N, ${columns}] input; the graph has ` +
          `${inputs.map((i) => `"${i.name}" (${describe(i)})`).join(", ")}`,
        "unsupported_input",
      );
    }
    const width = input.shape[1];
    if (width !== null && width !== undefined && width !== columns) {
      throw new ModelLoadError(
        `input "${input.name}" has ${width} columns but the profile's features make ${columns} one-hot columns`,
        "profile_mismatch",
      );
    }
    return { layout: "one-hot", name: input.name, columns };
  }
  for (const input of inputs) {
    if (input.kind !== "tensor") throw inputError(input, "not a tensor");
    if (!input.shape) throw inputError(input, "the graph declares no shape for it");
  }
  const names = features.map((f) => f.name);
  const byName = new Map(inputs.map((i) => [i.name, i]));
  if (inputs.length === features.length && names.every((n) => byName.has(n))) {
    return {
      layout: "columns",
      inputs: features.map((f) => columnInput(byName.get(f.name) as GraphValue, f)),
    };
  }
  const only = inputs[0];
  if (inputs.length === 1 && only?.shape?.length === 2) {
    if (!NUMERIC_TYPES.includes(only.elementType)) {
      throw inputError(only, "a [N, D] input must be float, double or int64");
    }
    const width = only.shape[1];
    if (width !== null && width !== undefined && width !== features.length) {
      throw new ModelLoadError(
        `input "${only.name}" has ${width} columns but the profile lists ${features.length} features (${names.join(", ")})`,
        "profile_mismatch",
      );
    }
    const text = features.find((f) => f.type !== "numeric");
    if (text) {
      throw new ModelLoadError(
        `input "${only.name}" is numeric but the profile's feature "${text.name}" is categorical`,
        "profile_mismatch",
      );
    }
    return {
      layout: "matrix",
      name: only.name,
      elementType: only.elementType as NumericElementType,
      columns: features.length,
    };
  }
  const unknown = inputs.find((i) => !names.includes(i.name));
  throw inputError(
    unknown ?? only,
    `the graph's inputs (${inputs.map((i) => i.name).join(", ")}) do not match the profile's features (${names.join(", ")})`,
  );
}

function columnInput(input: GraphValue, feature: FeatureProfile): ColumnInput {
  if (!COLUMN_TYPES.includes(input.elementType)) {
    throw inputError(input, `element type ${input.elementType} is not supported`);
  }
  const shape = input.shape as (number | null)[];
  if (shape.length < 1 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1 && shape[1] !== null)) {
    throw inputError(input, "a per-feature input must be [N] or [N, 1]");
  }
  const text = input.elementType === "string";
  if (text !== (feature.type === "categorical")) {
    throw new ModelLoadError(
      `input "${input.name}" is ${input.elementType} but the profile has feature "${feature.name}" as ${feature.type}`,
      "profile_mismatch",
    );
  }
  return {
    name: input.name,
    elementType: input.elementType as ColumnElementType,
    rank: shape.length as 1 | 2,
  };
}

function outputError(value: GraphValue, problem: string): ModelLoadError {
  return new ModelLoadError(
    `output "${value.name}" (${describe(value)}): ${problem}; supported: ${SUPPORTED_OUTPUTS}`,
    "unsupported_output",
  );
}

/** Width of a [N] / [N, 1] / [N, C] tensor: 1, 1, C (null when symbolic), or undefined for any other shape. */
function width(value: GraphValue): number | null | undefined {
  const shape = value.shape;
  if (!shape || shape.length === 0 || shape.length > 2) return undefined;
  return shape.length === 1 ? 1 : (shape[1] ?? null);
}

function resolveOutput(graph: OnnxGraph, profile: ModelProfile, hints: SignatureHints): OutputBinding {
  for (const output of graph.outputs) {
    if (output.kind !== "tensor") throw outputError(output, "not a tensor, and not produced by a ZipMap");
  }
  const scores = graph.outputs.filter((o) => SCORE_TYPES.includes(o.elementType) && width(o) !== undefined);
  if (hints.task === "regression") {
    const value = scores.find((o) => width(o) === 1);
    if (!value) {
      const first = graph.outputs[0] as GraphValue;
      throw outputError(first, "a regressor needs one float or double [N] or [N, 1] value output");
    }
    return { task: "regression", name: value.name, elementType: value.elementType as "float32" | "float64" };
  }
  const classes = profile.classes.length;
  if (graph.classLabels && graph.classLabels.join("\u0000") !== profile.classes.join("\u0000")) {
    throw new ModelLoadError(
      `the graph's classifier labels its classes [${graph.classLabels.join(", ")}] but the profile lists [${profile.classes.join(", ")}]`,
      "profile_mismatch",
    );
  }
  const matrix = scores.find((o) => width(o) !== 1);
  const column = scores.find((o) => width(o) === 1);
  const chosen = matrix ?? column;
  if (!chosen) {
    throw outputError(graph.outputs[0] as GraphValue, "a classifier needs a float or double score output");
  }
  const singleColumn = chosen === column;
  const columns = width(chosen);
  if (singleColumn ? classes !== 2 : columns !== null && columns !== classes) {
    throw new ModelLoadError(
      `output "${chosen.name}" (${describe(chosen)}) gives ${singleColumn ? "one probability column, which needs 2 classes" : `${columns} columns`} ` +
        `but the profile lists ${classes} classes (${profile.classes.join(", ")})`,
      "profile_mismatch",
    );
  }
  return {
    task: "classification",
    name: chosen.name,
    elementType: chosen.elementType as "float32" | "float64",
    scores: hints.scores ?? "probabilities",
    singleColumn,
  };
}
