import type { RequestHandler } from "express";
import type { ModelRegistry } from "../inference/model-registry.js";
import type { RouteHandlers } from "./route.js";

/**
 * Liveness and readiness, in the plain form (`/healthz`, `/readyz`) and the protocol's (`/v2/health/*`).
 * Not ready answers 503 so a load balancer or Kubernetes probe takes the instance out without parsing JSON.
 */
export function healthRoutes(registry: ModelRegistry) {
  const live: RequestHandler = (_req, res) => {
    res.json({ live: true });
  };
  const ready: RequestHandler = (_req, res) => {
    const isReady = registry.ready();
    res.status(isReady ? 200 : 503).json({ ready: isReady });
  };
  return {
    healthz: [live],
    v2Live: [live],
    readyz: [ready],
    v2Ready: [ready],
  } satisfies Partial<RouteHandlers>;
}
