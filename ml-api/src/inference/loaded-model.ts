import { performance } from "node:perf_hooks";
import ort from "onnxruntime-node";
import { InvalidInputError } from "../errors.js";
import type { Row } from "./feature-encoder.js";
import { GraphInput } from "./graph-input.js";
import { ModelLoadError } from "./model-load-error.js";
import type { ModelFiles } from "./model-repository.js";
import { readOnnxGraph } from "./onnx-graph.js";
import { type InferenceOutput, readOutput, type Scores } from "./prediction.js";
import { type ModelSignature, resolveSignature } from "./signature.js";

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
  output: InferenceOutput;
  timings: PhaseTimings;
}

/** One model version in memory: its ONNX Runtime session and what it needs to turn rows into predictions. */
export class LoadedModel {
  private constructor(
    readonly name: string,
    readonly version: string,
    readonly files: Omit<ModelFiles, "onnx">,
    readonly signature: ModelSignature,
    private readonly session: ort.InferenceSession,
    private readonly input: GraphInput,
  ) {}

  /** Reads the graph's signature first, so an unsupported model fails with a message naming what is wrong. */
  static async create(name: string, version: string, files: ModelFiles, options: SessionOptions) {
    const hints = files.card.signature;
    if (!hints?.task || !hints.inputs) {
      throw new ModelLoadError(
        'card.json has no signature: add "signature": {"task": "classification" or "regression", "inputs": "graph" or "one-hot"}, or add the model with npm run model -- add',
        "card_mismatch",
      );
    }
    const graph = readOnnxGraph(files.onnx);
    const signature = resolveSignature(graph, files.profile, hints);
    const session = await ort.InferenceSession.create(graph.bytes, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    const { onnx: _bytes, ...rest } = files;
    return new LoadedModel(
      name,
      version,
      rest,
      signature,
      session,
      new GraphInput(signature.input, files.profile),
    );
  }

  get profile() {
    return this.files.profile;
  }

  get task() {
    return this.signature.output.task;
  }

  /** Bucket boundaries of a regressor's predicted values: its training predictions' range and deciles. */
  get valueBuckets(): readonly number[] {
    const value = this.profile.predictedValue;
    if (!value) return [];
    // Deciles repeat when many training predictions are equal; a boundary may appear only once.
    return [...new Set([value.validRange.min, ...value.decileEdges, value.validRange.max])];
  }

  async infer(rows: readonly Row[]): Promise<InferenceResult> {
    const t0 = performance.now();
    const feeds = this.input.feeds(rows);
    const t1 = performance.now();
    const output = this.signature.output.name;
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds, [output]);
    } catch (error) {
      // The feeds match the graph's declared types and shapes, so a failure is the graph refusing a value
      // (an encoder that rejects unknown categories, say): the request's doing, not the server's.
      throw new InvalidInputError(
        `the model rejected the input: ${(error as Error).message}`,
        "model_rejected",
      );
    }
    const t2 = performance.now();
    const data = result[output]?.data as Scores;
    const binding = this.signature.output;
    const width = binding.task === "regression" || binding.singleColumn ? 1 : this.profile.classes.length;
    if (data.length !== rows.length * width) {
      throw new Error(
        `output "${output}" gave ${data.length} values for ${rows.length} rows; the signature expects ${width} per row`,
      );
    }
    const out = readOutput(binding, data, this.profile.classes);
    const t3 = performance.now();
    return {
      output: out,
      timings: { preprocess: (t1 - t0) / 1000, run: (t2 - t1) / 1000, postprocess: (t3 - t2) / 1000 },
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
