import { performance } from "node:perf_hooks";
import { NO_VERSION, type Outcome } from "../../../contract/metric-catalogue.js";
import { ApiError, InvalidInputError, ModelUnavailableError } from "../errors.js";
import type { Row } from "../inference/feature-encoder.js";
import type { InferenceResult, LoadedModel } from "../inference/loaded-model.js";
import type { Lease, ModelRegistry } from "../inference/model-registry.js";
import type { InferenceOutput } from "../inference/prediction.js";
import type { Predicted, PredictionIds } from "../inference/prediction-ids.js";
import { endInferenceSpan, startInferenceSpan } from "../telemetry/inference-span.js";
import type { ModelMetrics } from "../telemetry/model-metrics.js";
import type { AdmissionGate } from "./admission-gate.js";

/**
 * How one protocol turns a request into rows and a result into its response. `ids` issues the rows'
 * prediction ids; a response that leaves them out does not call it and pays nothing for them.
 */
export interface InferenceProtocol<P extends { rows: Row[] }, R = unknown> {
  parse(request: unknown, model: LoadedModel, maxRows: number): P;
  respond(model: LoadedModel, parsed: P, result: InferenceResult, ids: () => string[]): R;
}

export interface InferenceDeps {
  registry: ModelRegistry;
  metrics: ModelMetrics;
  maxBatchRows: number;
  /** Shared by every inference route of every protocol: the bound on inference requests in flight. */
  admission: AdmissionGate;
  predictionIds: PredictionIds;
}

/** The model a request names; no version means the latest loaded. */
export interface ModelRef {
  name: string;
  version?: string | undefined;
}

function outcomeOf(error: unknown): Outcome {
  if (error instanceof InvalidInputError) return "invalid_input";
  if (error instanceof ModelUnavailableError) return "unavailable";
  return error instanceof ApiError && error.status < 500 ? "invalid_input" : "error";
}

/**
 * The version a request would be served by, for its metric labels: the one it names, or the latest loaded
 * (NO_VERSION when none is); undefined when the registry knows no such model or version.
 */
function versionLabel(
  registry: ModelRegistry,
  name: string,
  version: string | undefined,
): string | undefined {
  const known = registry.versionsOf(name);
  if (known.length === 0) return undefined;
  if (version !== undefined) return known.includes(version) ? version : undefined;
  try {
    const lease = registry.acquire(name);
    lease.release();
    return lease.model.version;
  } catch {
    return NO_VERSION;
  }
}

/**
 * Counts a request the admission gate refused. It is answered unavailable, like a version that is not
 * loaded: to its client the service was unavailable, and the availability SLIs and alerts count it so.
 */
export function recordRefusal({ registry, metrics }: InferenceDeps, { name, version }: ModelRef): void {
  const span = startInferenceSpan();
  const label = versionLabel(registry, name, version);
  if (label === undefined) {
    endInferenceSpan(span, {});
    return;
  }
  metrics.recordInference({ model: name, version: label, outcome: "unavailable", seconds: 0 });
  endInferenceSpan(span, { model: name, version: label, outcome: "unavailable" });
}

/**
 * The request path every protocol shares: resolve the version, validate, infer, build the answer, and
 * record exactly one inference observation per request whose model is known, whatever the outcome.
 */
export async function runInference<P extends { rows: Row[] }, R>(
  { registry, metrics, maxBatchRows, predictionIds }: InferenceDeps,
  protocol: InferenceProtocol<P, R>,
  { name, version }: ModelRef,
  request: unknown,
): Promise<R> {
  const started = performance.now();
  const span = startInferenceSpan();
  let lease: Lease;
  try {
    lease = registry.acquire(name, version);
  } catch (error) {
    if (error instanceof ModelUnavailableError) {
      const label = versionLabel(registry, name, version) ?? NO_VERSION;
      metrics.recordInference({
        model: name,
        version: label,
        outcome: "unavailable",
        seconds: elapsed(started),
      });
      endInferenceSpan(span, { model: name, version: label, outcome: "unavailable" });
    } else {
      endInferenceSpan(span, {});
    }
    throw error;
  }
  const { model, served } = lease;
  metrics.trackActive(name, model.version, 1);
  let rows: number | undefined;
  let outcome: Outcome = "error";
  try {
    const parsed = protocol.parse(request, model, maxBatchRows);
    const validation = elapsed(started);
    rows = parsed.rows.length;
    const result = await model.infer(parsed.rows);
    served.observe(parsed.rows, result.output);
    const response = protocol.respond(model, parsed, result, () =>
      predictionIds.issue(name, model.version, predictedOf(model, result.output)),
    );
    outcome = "success";
    metrics.recordInference({
      model: name,
      version: model.version,
      outcome,
      seconds: elapsed(started),
      rows,
      phases: { validation, ...result.timings },
      ...(result.output.task === "classification"
        ? { predictions: result.output.predictions }
        : { values: { data: result.output.values, boundaries: model.valueBuckets } }),
    });
    return response;
  } catch (error) {
    outcome = outcomeOf(error);
    if (error instanceof InvalidInputError) metrics.recordRejection(name, model.version, error.reason);
    metrics.recordInference({ model: name, version: model.version, outcome, seconds: elapsed(started) });
    throw error;
  } finally {
    lease.release();
    metrics.trackActive(name, model.version, -1);
    endInferenceSpan(span, {
      model: name,
      version: model.version,
      outcome,
      ...(rows === undefined ? {} : { rows }),
    });
  }
}

function predictedOf(model: LoadedModel, output: InferenceOutput): Predicted[] {
  if (output.task === "regression") return Array.from(output.values, (value) => ({ kind: "value", value }));
  const classes = model.profile.classes;
  return output.predictions.map((p) => ({ kind: "class", index: classes.indexOf(p.label) }));
}

function elapsed(since: number): number {
  return (performance.now() - since) / 1000;
}
