import type { Task } from "../ml-api/src/inference/signature.js";
import {
  CONFIDENCE_BUCKETS,
  FEEDBACK_DELAY_BUCKETS,
  LOAD_SECONDS_BUCKETS,
  LOW_CONFIDENCE,
  MARGIN_BUCKETS,
  ROWS_BUCKETS,
  SECONDS_BUCKETS,
} from "./histogram-buckets.js";

/**
 * Every model metric the ML API emits: the one place their names, units and attributes are written. The
 * instruments are created from it, the docs' catalogue is generated from it, and dashboards and alert rules
 * import the Prometheus names derived from it.
 */

/** Attribute keys. Values come only from the model registry, the profile and fixed vocabularies. */
export const ATTR = {
  model: "model.name",
  version: "model.version",
  outcome: "inference.outcome",
  phase: "inference.phase",
  state: "model.state",
  checksum: "model.checksum",
  trainedAt: "model.trained_at",
  task: "model.task",
  loadOutcome: "model.load.outcome",
  reason: "validation.reason",
  predictedClass: "prediction.class",
  feedbackClass: "feedback.class",
  feedbackReason: "feedback.reason",
  qualityMetric: "quality.metric",
  authReason: "auth.reason",
  predictionBin: "prediction.bin",
  feature: "feature.name",
  bin: "feature.bin",
  category: "feature.category",
} as const;

export const OUTCOMES = ["success", "invalid_input", "unavailable", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const PHASES = ["validation", "preprocess", "run", "postprocess"] as const;
export type Phase = (typeof PHASES)[number];
/** Values of `model.load.outcome`. */
export const LOAD_OUTCOMES = ["success", "failure"] as const;
export type LoadOutcome = (typeof LOAD_OUTCOMES)[number];
export const MODEL_STATES = ["loading", "ready", "unloaded", "failed"] as const;
export type ModelState = (typeof MODEL_STATES)[number];
/** Why a feedback item was not counted (ml-api/src/inference/feedback.ts). */
export const FEEDBACK_REJECTIONS = [
  "unknown_id",
  "wrong_model",
  "unknown_version",
  "unknown_class",
  "not_a_number",
  "too_old",
  "duplicate",
] as const;
export type FeedbackRejection = (typeof FEEDBACK_REJECTIONS)[number];
/** Why a write (feedback, load, unload) was refused: no bearer token (401) or a wrong one (403). */
export const AUTH_FAILURES = ["missing", "wrong"] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];
/** Held-out quality from the model card, by `quality.metric`. */
export const BASELINE_METRICS = ["accuracy", "mae", "rmse"] as const;
export type BaselineMetric = (typeof BASELINE_METRICS)[number];
/** The version label when a request named no version and none was loaded to choose. */
export const NO_VERSION = "none";

export type Instrument = "counter" | "histogram" | "updowncounter" | "gauge";

export interface MetricSpec {
  name: string;
  instrument: Instrument;
  /**
   * UCUM unit. The collector's Prometheus exporter turns "s" into a `_seconds` suffix and "1" on a gauge into
   * `_ratio`, and drops annotations in braces; state, info and index gauges have no unit for that reason.
   */
  unit: string;
  description: string;
  attributes: readonly string[];
  buckets?: readonly number[];
  /** Emitted only for models of this task; absent for metrics every model has. */
  task?: Task;
}

const MODEL = [ATTR.model, ATTR.version] as const;
const FEATURE = [...MODEL, ATTR.feature] as const;

export const METRICS = {
  inferenceDuration: {
    name: "inferwatch.inference.duration",
    instrument: "histogram",
    unit: "s",
    description:
      "Time to answer one inference request, from validation to the response built; counts are requests.",
    attributes: [...MODEL, ATTR.outcome],
    buckets: SECONDS_BUCKETS,
  },
  phaseDuration: {
    name: "inferwatch.inference.phase.duration",
    instrument: "histogram",
    unit: "s",
    description:
      "Time in each phase of a successful inference: validation, preprocess, run (ONNX Runtime), postprocess.",
    attributes: [...MODEL, ATTR.phase],
    buckets: SECONDS_BUCKETS,
  },
  rows: {
    name: "inferwatch.inference.rows",
    instrument: "histogram",
    unit: "{row}",
    description: "Rows (instances) per successful inference request: the batch size.",
    attributes: MODEL,
    buckets: ROWS_BUCKETS,
  },
  active: {
    name: "inferwatch.inference.active",
    instrument: "updowncounter",
    unit: "{request}",
    description: "Inference requests in flight on a model version.",
    attributes: MODEL,
  },
  validationErrors: {
    name: "inferwatch.validation.errors",
    instrument: "counter",
    unit: "{request}",
    description: "Requests rejected by a model version's input schema, by reason.",
    attributes: [...MODEL, ATTR.reason],
  },
  modelState: {
    name: "inferwatch.model.state",
    instrument: "gauge",
    unit: "",
    description:
      "1 for the state a model version is in (loading, ready, unloaded, failed), 0 for the others.",
    attributes: [...MODEL, ATTR.state],
  },
  modelInfo: {
    name: "inferwatch.model.info",
    instrument: "gauge",
    unit: "",
    description:
      "Always 1 for a loaded version; its attributes identify the bytes served, when they were trained and the model's task (classification or regression).",
    attributes: [...MODEL, ATTR.checksum, ATTR.trainedAt, ATTR.task],
  },
  loadDuration: {
    name: "inferwatch.model.load.duration",
    instrument: "histogram",
    unit: "s",
    description: "Time to load a model version, successful or not; counts are load attempts.",
    attributes: [...MODEL, ATTR.loadOutcome],
    buckets: LOAD_SECONDS_BUCKETS,
  },
  unloads: {
    name: "inferwatch.model.unloads",
    instrument: "counter",
    unit: "{unload}",
    description: "Model versions unloaded through the repository API.",
    attributes: MODEL,
  },
  predictions: {
    name: "inferwatch.predictions",
    instrument: "counter",
    unit: "{prediction}",
    description: "Predictions (one per row) by predicted class.",
    attributes: [...MODEL, ATTR.predictedClass],
    task: "classification",
  },
  classBaseline: {
    name: "inferwatch.prediction.class.baseline",
    instrument: "gauge",
    unit: "1",
    description: "Share of each class in the training data, from the model profile.",
    attributes: [...MODEL, ATTR.predictedClass],
    task: "classification",
  },
  confidence: {
    name: "inferwatch.prediction.confidence",
    instrument: "histogram",
    unit: "1",
    description: "Probability of the predicted class, one observation per row.",
    attributes: MODEL,
    buckets: CONFIDENCE_BUCKETS,
    task: "classification",
  },
  lowConfidenceBaseline: {
    name: "inferwatch.prediction.low_confidence.baseline",
    instrument: "gauge",
    unit: "1",
    description: `Share of training rows the model predicted with confidence at or below ${LOW_CONFIDENCE}, from the profile.`,
    attributes: MODEL,
    task: "classification",
  },
  margin: {
    name: "inferwatch.prediction.margin",
    instrument: "histogram",
    unit: "1",
    description: "Probability of the predicted class minus the runner-up's, one observation per row.",
    attributes: MODEL,
    buckets: MARGIN_BUCKETS,
    task: "classification",
  },
  predictedValue: {
    name: "inferwatch.prediction.value",
    instrument: "histogram",
    unit: "",
    description:
      "A regressor's predicted values, one observation per row; each version's buckets are its training predictions' range and decile edges.",
    attributes: MODEL,
    task: "regression",
  },
  predictionBinValues: {
    name: "inferwatch.prediction.bin.values",
    instrument: "counter",
    unit: "{prediction}",
    description:
      "A regressor's predicted values per decile bin (1-10) of its predictions on the training rows: prediction drift in PromQL.",
    attributes: [...MODEL, ATTR.predictionBin],
    task: "regression",
  },
  predictionBinBaseline: {
    name: "inferwatch.prediction.bin.baseline",
    instrument: "gauge",
    unit: "1",
    description:
      "Share of a regressor's training predictions in each decile bin (about 0.1 each), from the profile.",
    attributes: [...MODEL, ATTR.predictionBin],
    task: "regression",
  },
  predictionPsi: {
    name: "inferwatch.prediction.psi",
    instrument: "gauge",
    unit: "",
    description:
      "Population stability index of a regressor's predicted values over the sliding window against its training predictions; absent until the window holds enough values.",
    attributes: MODEL,
    task: "regression",
  },
  feedback: {
    name: "inferwatch.feedback",
    instrument: "counter",
    unit: "{label}",
    description:
      "Labelled predictions by predicted and true class: the confusion matrix, from which accuracy, per-class precision and recall and macro F1 follow.",
    attributes: [...MODEL, ATTR.predictedClass, ATTR.feedbackClass],
    task: "classification",
  },
  feedbackAbsoluteError: {
    name: "inferwatch.feedback.absolute_error",
    instrument: "histogram",
    unit: "",
    description:
      "A regressor's absolute error (predicted minus true value, unsigned) per labelled prediction; its sum over its count is the MAE. Buckets are shares of the version's training prediction range.",
    attributes: MODEL,
    task: "regression",
  },
  feedbackSquaredError: {
    name: "inferwatch.feedback.squared_error",
    instrument: "counter",
    unit: "",
    description:
      "Sum of a regressor's squared errors over labelled predictions; over the absolute-error count, the root of it is the RMSE.",
    attributes: MODEL,
    task: "regression",
  },
  feedbackDelay: {
    name: "inferwatch.feedback.delay",
    instrument: "histogram",
    unit: "s",
    description: "Seconds from a prediction to its label's arrival, per accepted label.",
    attributes: MODEL,
    buckets: FEEDBACK_DELAY_BUCKETS,
  },
  feedbackRejected: {
    name: "inferwatch.feedback.rejected",
    instrument: "counter",
    unit: "{label}",
    description:
      "Feedback items not counted, by reason: unknown_id (malformed or forged), wrong_model, unknown_version, unknown_class, not_a_number, too_old, duplicate.",
    attributes: [ATTR.model, ATTR.feedbackReason],
  },
  qualityBaseline: {
    name: "inferwatch.model.quality.baseline",
    instrument: "gauge",
    unit: "",
    description:
      "The model card's held-out quality (accuracy for a classifier, MAE and RMSE for a regressor), the baseline realized quality is compared with.",
    attributes: [...MODEL, ATTR.qualityMetric],
  },
  controlAuthFailures: {
    name: "inferwatch.control.auth.failures",
    instrument: "counter",
    unit: "{request}",
    description:
      "Writes (feedback, repository load and unload) refused: missing (no bearer token, 401) or wrong (403).",
    attributes: [ATTR.authReason],
  },
  missing: {
    name: "inferwatch.feature.missing",
    instrument: "counter",
    unit: "{value}",
    description: "Feature values sent as null (missing), which the model imputes.",
    attributes: FEATURE,
  },
  outOfRange: {
    name: "inferwatch.feature.out_of_range",
    instrument: "counter",
    unit: "{value}",
    description: "Numeric feature values outside the range seen in training; served, but suspect.",
    attributes: FEATURE,
  },
  unseen: {
    name: "inferwatch.feature.unseen_category",
    instrument: "counter",
    unit: "{value}",
    description: "Categorical feature values the model was not trained on; served as all-zero one-hot.",
    attributes: FEATURE,
  },
  binValues: {
    name: "inferwatch.feature.bin.values",
    instrument: "counter",
    unit: "{value}",
    description: "Numeric feature values per training decile bin (1-10), so PSI can be computed in PromQL.",
    attributes: [...FEATURE, ATTR.bin],
  },
  binBaseline: {
    name: "inferwatch.feature.bin.baseline",
    instrument: "gauge",
    unit: "1",
    description: "Share of training values in each decile bin (about 0.1 each), from the profile.",
    attributes: [...FEATURE, ATTR.bin],
  },
  categoryValues: {
    name: "inferwatch.feature.category.values",
    instrument: "counter",
    unit: "{value}",
    description: "Categorical feature values per known category.",
    attributes: [...FEATURE, ATTR.category],
  },
  categoryBaseline: {
    name: "inferwatch.feature.category.baseline",
    instrument: "gauge",
    unit: "1",
    description: "Share of each category in the training data, from the profile.",
    attributes: [...FEATURE, ATTR.category],
  },
  psi: {
    name: "inferwatch.drift.psi",
    instrument: "gauge",
    unit: "",
    description:
      "Population stability index of a feature over the sliding window; absent until the window holds enough values.",
    attributes: FEATURE,
  },
  windowSamples: {
    name: "inferwatch.drift.window.samples",
    instrument: "gauge",
    unit: "{value}",
    description: "Values in a feature's PSI window.",
    attributes: FEATURE,
  },
  psiThreshold: {
    name: "inferwatch.drift.psi.threshold",
    instrument: "gauge",
    unit: "",
    description: "PSI above which a feature counts as drifted (DRIFT_PSI_THRESHOLD).",
    attributes: MODEL,
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;
