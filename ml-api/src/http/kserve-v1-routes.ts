import type { Request } from "express";
import type { InferenceDeps, InferenceProtocol } from "../serving/inference-call.js";
import { admitInference, inferenceHandler } from "./inference-handler.js";
import { jsonBody } from "./json-body.js";
import type { RouteHandlers } from "./route.js";
import { parseV1Request } from "./v1-request.js";

export interface RouteLimits {
  maxBodyBytes: number;
  maxBatchRows: number;
}

const V1_PREDICT: InferenceProtocol<{ rows: ReturnType<typeof parseV1Request> }> = {
  parse: (body, model, maxRows) => ({ rows: parseV1Request(body, model, maxRows) }),
  respond: (model, _parsed, { output }, issueIds) => {
    const ids = issueIds();
    return {
      predictions:
        output.task === "regression"
          ? Array.from(output.values, (value, i) => ({
              value,
              model_version: model.version,
              prediction_id: ids[i],
            }))
          : output.predictions.map((p, i) => ({
              label: p.label,
              confidence: p.confidence,
              probabilities: p.probabilities,
              model_version: model.version,
              prediction_id: ids[i],
            })),
    };
  },
};

/** KServe V1 data plane: model status and `:predict`, always on the latest loaded version. */
export function kserveV1Routes(deps: InferenceDeps, limits: RouteLimits) {
  const { registry } = deps;
  return {
    v1Models: [
      async (_req, res) => {
        res.json({ models: [...new Set((await registry.index()).map((s) => s.name))] });
      },
    ],
    v1Model: [
      (req: Request<{ name: string }>, res) => {
        const lease = registry.acquire(req.params.name);
        lease.release();
        res.json({ name: req.params.name, ready: true, version: lease.model.version });
      },
    ],
    v1Predict: [admitInference(deps), jsonBody(limits.maxBodyBytes), inferenceHandler(deps, V1_PREDICT)],
  } satisfies Partial<RouteHandlers>;
}
