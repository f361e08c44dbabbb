/** Post-processing: the model's probability matrix into one prediction per row. */

export interface Prediction {
  label: string;
  /** Probability of the predicted class. */
  confidence: number;
  /** Confidence minus the runner-up's probability: small margins mean the model hesitated. */
  margin: number;
  probabilities: Record<string, number>;
}

export function toPredictions(probabilities: Float32Array, classes: readonly string[]): Prediction[] {
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
