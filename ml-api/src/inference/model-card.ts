/** The model card written beside every model (`card.json`): where the model came from and how good it is. */
export interface ModelCard {
  name: string;
  version: string;
  description: string;
  /** ISO date of training; part of the card, not of the model bytes, so training stays reproducible. */
  trainedAt: string;
  dataset: { name: string; source: string; license: string; rows: number };
  seed: number;
  split: { trainRows: number; testRows: number };
  architecture: { kind: "mlp"; hiddenUnits: number[]; activation: "relu" };
  metrics: { testAccuracy: number; trainAccuracy: number };
  onnx: { opset: number; input: string; output: string; inputColumns: number };
}
