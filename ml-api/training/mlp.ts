/**
 * A one-hidden-layer ReLU perceptron with a softmax output, trained full-batch with Adam on softmax
 * cross-entropy. Small enough to train in plain TypeScript in well under a second, so training needs no
 * native ML runtime and is byte-for-byte reproducible.
 */
import type { Random } from "./prng.js";

/** Weights in row-major [in][out] layout, the layout ONNX Gemm takes without transposition. */
export interface Mlp {
  inputs: number;
  hidden: number;
  classes: number;
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

export interface TrainOptions {
  hidden: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty; keeps the weights, and so the training-set confidence, from growing without bound. */
  weightDecay: number;
  random: Random;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/** Row-major [rows, classes] class probabilities for a row-major [rows, inputs] matrix. */
export function predictProbabilities(mlp: Mlp, x: Float64Array): Float64Array {
  return forward(mlp, x).probabilities;
}

function forward(mlp: Mlp, x: Float64Array): { hidden: Float64Array; probabilities: Float64Array } {
  const { inputs: d, hidden: h, classes: c } = mlp;
  const rows = x.length / d;
  const hidden = new Float64Array(rows * h);
  const probabilities = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      let sum = mlp.b1[j] as number;
      for (let i = 0; i < d; i++) sum += (x[r * d + i] as number) * (mlp.w1[i * h + j] as number);
      hidden[r * h + j] = Math.max(sum, 0);
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < c; k++) {
      let sum = mlp.b2[k] as number;
      for (let j = 0; j < h; j++) sum += (hidden[r * h + j] as number) * (mlp.w2[j * c + k] as number);
      probabilities[r * c + k] = sum;
      if (sum > max) max = sum;
    }
    // Subtracting the largest logit keeps exp from overflowing; softmax is invariant to the shift.
    let total = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp((probabilities[r * c + k] as number) - max);
      probabilities[r * c + k] = e;
      total += e;
    }
    for (let k = 0; k < c; k++) probabilities[r * c + k] = (probabilities[r * c + k] as number) / total;
  }
  return { hidden, probabilities };
}

/** Trains on row-major `x` [rows, inputs] with class indices `labels`; the result holds float32 values. */
export function trainMlp(
  x: Float64Array,
  labels: readonly number[],
  classes: number,
  options: TrainOptions,
): Mlp {
  const rows = labels.length;
  const d = x.length / rows;
  const h = options.hidden;
  const mlp: Mlp = {
    inputs: d,
    hidden: h,
    classes,
    // He initialisation for the ReLU layer, Glorot for the linear softmax layer.
    w1: uniform(d * h, Math.sqrt(6 / d), options.random),
    b1: new Float64Array(h),
    w2: uniform(h * classes, Math.sqrt(6 / (h + classes)), options.random),
    b2: new Float64Array(classes),
  };
  const params = [mlp.w1, mlp.b1, mlp.w2, mlp.b2];
  const decays = [options.weightDecay, 0, options.weightDecay, 0];
  const grads = params.map((p) => new Float64Array(p.length));
  const moments1 = params.map((p) => new Float64Array(p.length));
  const moments2 = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
  const dLogits = new Float64Array(classes);
  const dHidden = new Float64Array(h);

  for (let step = 1; step <= options.epochs; step++) {
    for (const g of grads) g.fill(0);
    const { hidden, probabilities } = forward(mlp, x);
    for (let r = 0; r < rows; r++) {
      // Gradient of the mean cross-entropy with respect to the logits: (p - onehot) / rows.
      for (let k = 0; k < classes; k++) {
        dLogits[k] = ((probabilities[r * classes + k] as number) - (labels[r] === k ? 1 : 0)) / rows;
        gb2[k] = (gb2[k] as number) + (dLogits[k] as number);
      }
      for (let j = 0; j < h; j++) {
        const a = hidden[r * h + j] as number;
        let back = 0;
        for (let k = 0; k < classes; k++) {
          gw2[j * classes + k] = (gw2[j * classes + k] as number) + a * (dLogits[k] as number);
          back += (mlp.w2[j * classes + k] as number) * (dLogits[k] as number);
        }
        dHidden[j] = a > 0 ? back : 0;
        gb1[j] = (gb1[j] as number) + (dHidden[j] as number);
      }
      for (let i = 0; i < d; i++) {
        const xi = x[r * d + i] as number;
        for (let j = 0; j < h; j++) gw1[i * h + j] = (gw1[i * h + j] as number) + xi * (dHidden[j] as number);
      }
    }
    const correction1 = 1 - ADAM_BETA1 ** step;
    const correction2 = 1 - ADAM_BETA2 ** step;
    params.forEach((p, n) => {
      const g = grads[n] as Float64Array;
      const m = moments1[n] as Float64Array;
      const v = moments2[n] as Float64Array;
      const decay = decays[n] as number;
      for (let i = 0; i < p.length; i++) {
        const grad = (g[i] as number) + decay * (p[i] as number);
        m[i] = ADAM_BETA1 * (m[i] as number) + (1 - ADAM_BETA1) * grad;
        v[i] = ADAM_BETA2 * (v[i] as number) + (1 - ADAM_BETA2) * grad * grad;
        p[i] =
          (p[i] as number) -
          (options.learningRate * ((m[i] as number) / correction1)) /
            (Math.sqrt((v[i] as number) / correction2) + ADAM_EPSILON);
      }
    });
  }
  // The ONNX file stores float32; rounding here makes the in-memory model the exported one exactly.
  for (const p of params) for (let i = 0; i < p.length; i++) p[i] = Math.fround(p[i] as number);
  return mlp;
}

function uniform(length: number, limit: number, random: Random): Float64Array {
  return Float64Array.from({ length }, () => (random() * 2 - 1) * limit);
}
