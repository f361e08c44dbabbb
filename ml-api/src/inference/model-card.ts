import type { BaselineMetric } from "../../../contract/metric-catalogue.js";
import type { GraphValue } from "./onnx-graph.js";
import type { SignatureHints } from "./signature.js";

/** Quality measured on labelled rows: accuracy and log loss for a classifier, MAE and RMSE for a regressor. */
export type ModelQuality =
  | { task: "classification"; rows: number; accuracy: number; logLoss: number }
  | { task: "regression"; rows: number; mae: number; rmse: number };

/** The model card written beside every model (`card.json`): where the model came from and how good it is. */
export interface ModelCard {
  name: string;
  version: string;
  description: string;
  /** ISO date the model was trained or added; part of the card, not of the model bytes. */
  trainedAt: string;
  dataset: { name: string; source: string; license?: string; rows: number };
  /** What the API needs beyond the graph to serve it: the task, the input contract, the kind of scores. */
  signature: SignatureHints;
  onnx: {
    opset: number;
    /** Who wrote the file (skl2onnx, pytorch, ...), from the graph. */
    producer?: { name: string; version: string };
    /** sha256 of model.onnx when the card was written. */
    sha256?: string;
    /** The graph's inputs and outputs as served (a ZipMap output replaced by its probability tensor). */
    inputs?: GraphValue[];
    outputs?: GraphValue[];
    /** The one-hot contract's input, output and input width. */
    input?: string;
    output?: string;
    inputColumns?: number;
  };
  quality?: ModelQuality;
  /** Bundled models trained here: how. */
  seed?: number;
  split?: { trainRows: number; testRows: number };
  architecture?: { kind: "mlp"; hiddenUnits: number[]; activation: "relu" };
  metrics?: { testAccuracy: number; trainAccuracy: number };
}

/** The card's held-out quality by metric: `quality` when measured, else a bundled model's test accuracy. */
export function heldOutQuality(card: ModelCard): Partial<Record<BaselineMetric, number>> {
  const q = card.quality;
  if (q?.task === "classification") return { accuracy: q.accuracy };
  if (q?.task === "regression") return { mae: q.mae, rmse: q.rmse };
  return card.metrics ? { accuracy: card.metrics.testAccuracy } : {};
}
