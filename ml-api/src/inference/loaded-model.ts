import { performance } from "node:perf_hooks";
import ort from "onnxruntime-node";
import { FeatureEncoder, type Row } from "./feature-encoder.js";
import type { ModelFiles } from "./model-repository.js";
import { type Prediction, toPredictions } from "./prediction.js";

export interface SessionOptions {
  intraOpThreads: number;
}

/** Seconds spent in each phase of one inference, for the phase breakdown metric. */
export interface PhaseTimings {
  preprocess: number;
  run: number;
  postprocess: number;
}

export interface InferenceResult {
  predictions: Prediction[];
  /** Row-major [rows, classes], as the model produced it. */
  probabilities: Float32Array;
  timings: PhaseTimings;
}

/** One model version in memory: its ONNX Runtime session and what it needs to turn rows into predictions. */
export class LoadedModel {
  private constructor(
    readonly name: string,
    readonly version: string,
    readonly files: Omit<ModelFiles, "onnx">,
    private readonly session: ort.InferenceSession,
    private readonly encoder: FeatureEncoder,
  ) {}

  static async create(name: string, version: string, files: ModelFiles, options: SessionOptions) {
    const session = await ort.InferenceSession.create(files.onnx, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    const { onnx: _bytes, ...rest } = files;
    const encoder = new FeatureEncoder(files.profile);
    const expected = files.card.onnx.inputColumns;
    if (encoder.columns !== expected) {
      await session.release();
      throw new Error(`profile gives ${encoder.columns} input columns but the model card says ${expected}`);
    }
    return new LoadedModel(name, version, rest, session, encoder);
  }

  get profile() {
    return this.files.profile;
  }

  async infer(rows: readonly Row[]): Promise<InferenceResult> {
    const t0 = performance.now();
    const input = new ort.Tensor("float32", this.encoder.encode(rows), [rows.length, this.encoder.columns]);
    const t1 = performance.now();
    const outputs = await this.session.run({ [this.files.card.onnx.input]: input });
    const t2 = performance.now();
    const probabilities = outputs[this.files.card.onnx.output]?.data as Float32Array;
    const predictions = toPredictions(probabilities, this.files.profile.classes);
    const t3 = performance.now();
    return {
      predictions,
      probabilities,
      timings: { preprocess: (t1 - t0) / 1000, run: (t2 - t1) / 1000, postprocess: (t3 - t2) / 1000 },
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
