import express, { type Express } from "express";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { errorHandler, notFound } from "./http/error-handler.js";
import { healthRoutes } from "./http/health-routes.js";
import { kserveV1Routes, type RouteLimits } from "./http/kserve-v1-routes.js";
import { oipV2Routes } from "./http/oip-v2-routes.js";
import { repositoryRoutes } from "./http/repository-routes.js";
import type { InferenceDeps } from "./serving/inference-call.js";

/** The HTTP application: both data planes, repository control, health, and JSON errors for everything else. */
export function createApp(deps: InferenceDeps, config: Config, logger: Logger): Express {
  const { registry } = deps;
  const limits: RouteLimits = { maxBodyBytes: config.MAX_BODY_BYTES, maxBatchRows: config.MAX_BATCH_ROWS };
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(healthRoutes(registry));
  app.use(kserveV1Routes(deps, limits));
  app.use(oipV2Routes(deps, limits));
  app.use(repositoryRoutes(registry, limits));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
