/** Index of the most probable class and its probability, per row of a row-major [rows, classes] matrix. */
export function topClasses(
  probabilities: ArrayLike<number>,
  classes: number,
): { index: number; confidence: number }[] {
  const out: { index: number; confidence: number }[] = [];
  for (let start = 0; start < probabilities.length; start += classes) {
    let index = 0;
    for (let k = 1; k < classes; k++) {
      if ((probabilities[start + k] as number) > (probabilities[start + index] as number)) index = k;
    }
    out.push({ index, confidence: probabilities[start + index] as number });
  }
  return out;
}
