import type { Request, RequestHandler } from "express";
import { OverloadedError } from "../errors.js";
import type { Row } from "../inference/feature-encoder.js";
import {
  type InferenceDeps,
  type InferenceProtocol,
  type ModelRef,
  recordRefusal,
  runInference,
} from "../serving/inference-call.js";

/**
 * Admission control in front of an inference route's body parsing, so a refused request costs no parsing:
 * its place is taken on arrival and left when the response closes (sent or aborted).
 */
export function admitInference(deps: InferenceDeps): RequestHandler<ModelRef> {
  const { admission } = deps;
  return (req, res, next) => {
    if (!admission.enter()) {
      recordRefusal(deps, req.params);
      next(new OverloadedError(admission.limit));
      return;
    }
    res.once("close", () => admission.leave());
    next();
  };
}

/** An inference route: the shared request path, its answer as JSON. */
export function inferenceHandler<P extends { rows: Row[] }>(
  deps: InferenceDeps,
  protocol: InferenceProtocol<P>,
): RequestHandler<ModelRef> {
  return async (req: Request<ModelRef>, res) => {
    res.json(await runInference(deps, protocol, req.params, req.body));
  };
}
