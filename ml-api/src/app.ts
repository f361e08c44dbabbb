import express, { type Express } from "express";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { controlAuth } from "./http/control-auth.js";
import { errorHandler, notFound } from "./http/error-handler.js";
import { feedbackRoutes } from "./http/feedback-routes.js";
import { healthRoutes } from "./http/health-routes.js";
import { kserveV1Routes, type RouteLimits } from "./http/kserve-v1-routes.js";
import { oipV2Routes } from "./http/oip-v2-routes.js";
import { repositoryRoutes } from "./http/repository-routes.js";
import { routeAll } from "./http/route.js";
import { FeedbackJoin } from "./inference/feedback.js";
import { SeenLabels } from "./inference/seen-labels.js";
import type { InferenceDeps } from "./serving/inference-call.js";

/**
 * The HTTP application: both data planes, feedback, repository control, health, and JSON errors for
 * everything else. Feedback, load and unload need the control token (undefined: open to anyone); the rest
 * is open.
 */
export function createApp(
  deps: InferenceDeps,
  config: Config,
  logger: Logger,
  controlToken: Buffer | undefined,
): Express {
  const { registry, metrics, predictionIds } = deps;
  const limits: RouteLimits = { maxBodyBytes: config.MAX_BODY_BYTES, maxBatchRows: config.MAX_BATCH_ROWS };
  const auth = controlAuth(controlToken, metrics);
  const join = new FeedbackJoin(
    predictionIds,
    new SeenLabels(config.FEEDBACK_DEDUP_CAPACITY),
    (name, version) => registry.profileOf(name, version),
    { maxAgeMs: config.FEEDBACK_MAX_AGE_SECONDS * 1000 },
  );
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  routeAll(app.router, {
    ...healthRoutes(registry),
    ...kserveV1Routes(deps, limits),
    ...oipV2Routes(deps, limits),
    ...feedbackRoutes({
      registry,
      join,
      events: metrics,
      auth,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxItems: config.FEEDBACK_MAX_ITEMS,
    }),
    ...repositoryRoutes(registry, limits, auth),
  });
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
