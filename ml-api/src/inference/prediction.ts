/** Post-processing: the graph's score or value output into what the API answers for each row. */
import type { OutputBinding } from "./signature.js";

export interface Prediction {
  label: string;
  /** Probability of the predicted class. */
  confidence: number;
  /** Confidence minus the runner-up's probability: small margins mean the model hesitated. */
  margin: number;
  probabilities: Record<string, number>;
}

export type Scores = Float32Array | Float64Array;

/** What one inference produced, by task. */
export type InferenceOutput =
  | {
      task: "classification";
      predictions: Prediction[];
      /** Row-major [rows, classes] probabilities (softmax applied to logits, binary columns completed). */
      probabilities: Scores;
    }
  | { task: "regression"; values: Scores };

export function toPredictions(probabilities: ArrayLike<number>, classes: readonly string[]): Prediction[] {
  const width = classes.length;
  const rows = probabilities.length / width;
  const predictions: Prediction[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let second = -1;
    const byClass: Record<string, number> = {};
    for (let c = 0; c < width; c++) {
      const p = probabilities[r * width + c] as number;
      byClass[classes[c] as string] = p;
      const bestP = probabilities[r * width + best] as number;
      if (c === 0) continue;
      if (p > bestP) {
        second = best;
        best = c;
      } else if (second < 0 || p > (probabilities[r * width + second] as number)) {
        second = c;
      }
    }
    const confidence = probabilities[r * width + best] as number;
    const runnerUp = second < 0 ? 0 : (probabilities[r * width + second] as number);
    predictions.push({
      label: classes[best] as string,
      confidence,
      margin: confidence - runnerUp,
      probabilities: byClass,
    });
  }
  return predictions;
}

/** Softmax of each row of a row-major [rows, width] matrix, stable for large logits. */
export function softmaxRows(logits: Scores, width: number): Scores {
  const out =
    logits instanceof Float64Array ? new Float64Array(logits.length) : new Float32Array(logits.length);
  for (let base = 0; base < logits.length; base += width) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < width; c++) max = Math.max(max, logits[base + c] as number);
    let sum = 0;
    for (let c = 0; c < width; c++) {
      const e = Math.exp((logits[base + c] as number) - max);
      out[base + c] = e;
      sum += e;
    }
    for (let c = 0; c < width; c++) out[base + c] = (out[base + c] as number) / sum;
  }
  return out;
}

/** A binary model's positive-class column as [1 - p, p] rows; a logit goes through the logistic function. */
function completeBinary(positive: Scores, logits: boolean): Scores {
  const out =
    positive instanceof Float64Array
      ? new Float64Array(positive.length * 2)
      : new Float32Array(positive.length * 2);
  positive.forEach((score, r) => {
    const p = logits ? 1 / (1 + Math.exp(-score)) : score;
    out[2 * r] = 1 - p;
    out[2 * r + 1] = p;
  });
  return out;
}

/** Reads the graph's output tensor data as the binding says. */
export function readOutput(
  binding: OutputBinding,
  data: Scores,
  classes: readonly string[],
): InferenceOutput {
  if (binding.task === "regression") return { task: "regression", values: data };
  const logits = binding.scores === "logits";
  let probabilities = binding.singleColumn ? completeBinary(data, logits) : data;
  if (logits && !binding.singleColumn) probabilities = softmaxRows(probabilities, classes.length);
  return { task: "classification", predictions: toPredictions(probabilities, classes), probabilities };
}
