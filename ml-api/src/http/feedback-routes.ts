import type { RequestHandler } from "express";
import type { FeedbackRejection } from "../../../contract/metric-catalogue.js";
import type { FeedbackItem, FeedbackJoin, JoinedLabel } from "../inference/feedback.js";
import type { ModelRegistry } from "../inference/model-registry.js";
import { ajv } from "../serving/feature-schemas.js";
import type { ModelRef } from "../serving/inference-call.js";
import { schemaError } from "../serving/schema-errors.js";
import { jsonBody } from "./json-body.js";
import type { RouteHandlers } from "./route.js";

/** Where joined and refused labels go; the model metrics implement it. */
export interface FeedbackEvents {
  recordFeedback(label: JoinedLabel): void;
  recordFeedbackRejection(model: string, reason: FeedbackRejection): void;
}

export interface FeedbackDeps {
  registry: ModelRegistry;
  join: FeedbackJoin;
  events: FeedbackEvents;
  /** Runs first on the route: the control token check. */
  auth: RequestHandler;
  maxBodyBytes: number;
  maxItems: number;
}

/**
 * `POST /v2/models/{name}[/versions/{v}]/feedback`: true labels (a classifier's `label`, a regressor's
 * `value`) for earlier predictions, named by their `prediction_id`. The body's shape is checked whole (4xx);
 * each item is then accepted or rejected on its own, with a reason per rejected item.
 */
export function feedbackRoutes(deps: FeedbackDeps) {
  const { registry, join, events } = deps;
  const validate = ajv.compile<{ feedback: FeedbackItem[] }>({
    type: "object",
    required: ["feedback"],
    additionalProperties: false,
    properties: {
      feedback: {
        type: "array",
        minItems: 1,
        maxItems: deps.maxItems,
        items: {
          type: "object",
          required: ["prediction_id"],
          additionalProperties: false,
          properties: {
            prediction_id: { type: "string", maxLength: 512 },
            label: { type: "string", maxLength: 256 },
            // Any JSON: a value that is not a finite number is that item's rejection, not the request's.
            value: {},
          },
        },
      },
    },
  });
  const handler: RequestHandler<ModelRef> = (req, res) => {
    const { name, version } = req.params;
    registry.requireKnown(name, version);
    const body = req.body as unknown;
    if (!validate(body)) throw schemaError(validate.errors);
    const outcome = join.join(name, version, body.feedback);
    for (const label of outcome.accepted) events.recordFeedback(label);
    for (const r of outcome.rejected) events.recordFeedbackRejection(name, r.reason);
    res.json({ accepted: outcome.accepted.length, rejected: outcome.rejected });
  };
  const handlers = [deps.auth, jsonBody(deps.maxBodyBytes), handler];
  return { feedback: handlers, feedbackVersion: handlers } satisfies Partial<RouteHandlers>;
}
