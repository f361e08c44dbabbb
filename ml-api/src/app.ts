import express, { type Express } from "express";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { AdmissionGate } from "./http/admission.js";
import { controlAuth } from "./http/control-auth.js";
import { errorHandler, notFound } from "./http/error-handler.js";
import { feedbackRoutes } from "./http/feedback-routes.js";
import { healthRoutes } from "./http/health-routes.js";
import { kserveV1Routes, type RouteLimits } from "./http/kserve-v1-routes.js";
import { oipV2Routes } from "./http/oip-v2-routes.js";
import { repositoryRoutes } from "./http/repository-routes.js";
import { FeedbackJoin } from "./inference/feedback.js";
import type { ModelRegistry } from "./inference/model-registry.js";
import { PredictionIds } from "./inference/prediction-ids.js";
import { SeenLabels } from "./inference/seen-labels.js";
import type { Secrets } from "./secrets.js";
import type { ModelMetrics } from "./telemetry/model-metrics.js";

export interface AppDeps {
  registry: ModelRegistry;
  metrics: ModelMetrics;
  config: Config;
  logger: Logger;
  secrets: Secrets;
}

/**
 * The HTTP application: both data planes, feedback, repository control, health, and JSON errors for
 * everything else. Feedback, load and unload need the control token; the rest is open.
 */
export function createApp({ registry, metrics, config, logger, secrets }: AppDeps): Express {
  const limits: RouteLimits = { maxBodyBytes: config.MAX_BODY_BYTES, maxBatchRows: config.MAX_BATCH_ROWS };
  const predictionIds = new PredictionIds(secrets.predictionIdKey);
  const deps = {
    registry,
    metrics,
    maxBatchRows: config.MAX_BATCH_ROWS,
    admission: new AdmissionGate(config.MAX_INFLIGHT_REQUESTS),
    predictionIds,
  };
  const auth = controlAuth(secrets.controlToken, metrics);
  const join = new FeedbackJoin(
    predictionIds,
    new SeenLabels(config.FEEDBACK_DEDUP_CAPACITY),
    (name, version) => registry.profileOf(name, version),
    { maxAgeMs: config.FEEDBACK_MAX_AGE_SECONDS * 1000 },
  );
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(healthRoutes(registry));
  app.use(kserveV1Routes(deps, limits));
  app.use(oipV2Routes(deps, limits));
  app.use(
    feedbackRoutes({
      registry,
      join,
      events: metrics,
      auth,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxItems: config.FEEDBACK_MAX_ITEMS,
    }),
  );
  app.use(repositoryRoutes(registry, limits, auth));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
