import { type RequestHandler, Router } from "express";
import type { ModelRegistry } from "../inference/model-registry.js";
import { labelRoute } from "./route-label.js";

/**
 * Liveness and readiness, in the plain form (`/healthz`, `/readyz`) and the protocol's (`/v2/health/*`).
 * Not ready answers 503 so a load balancer or Kubernetes probe takes the instance out without parsing JSON.
 */
export function healthRoutes(registry: ModelRegistry): Router {
  const live: RequestHandler = (_req, res) => {
    res.json({ live: true });
  };
  const ready: RequestHandler = (_req, res) => {
    const isReady = registry.ready();
    res.status(isReady ? 200 : 503).json({ ready: isReady });
  };
  const router = Router();
  router.get("/healthz", labelRoute, live);
  router.get("/v2/health/live", labelRoute, live);
  router.get("/readyz", labelRoute, ready);
  router.get("/v2/health/ready", labelRoute, ready);
  return router;
}
