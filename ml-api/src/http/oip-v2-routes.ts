import type { RequestHandler } from "express";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import type { InferenceDeps, ModelRef } from "../serving/inference-call.js";
import { PLATFORM, signature, V2_EXTENSIONS, V2_INFER } from "../serving/v2-protocol.js";
import { admitInference, inferenceHandler } from "./inference-handler.js";
import { jsonBody } from "./json-body.js";
import type { RouteLimits } from "./kserve-v1-routes.js";
import type { RouteHandlers } from "./route.js";

/** Open Inference Protocol V2 REST data plane; every model route with and without a version. */
export function oipV2Routes(deps: InferenceDeps, limits: RouteLimits) {
  const { registry } = deps;
  const server: RequestHandler = (_req, res) => {
    res.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: V2_EXTENSIONS });
  };

  const modelReady: RequestHandler<ModelRef> = (req, res) => {
    const { name, version } = req.params;
    const ready = registry.isReady(name, version);
    res.status(ready ? 200 : 503).json({ name, ready });
  };
  const modelMetadata: RequestHandler<ModelRef> = async (req, res) => {
    const { name, version } = req.params;
    const body = await registry.withModel(name, version, async (model) => ({
      name,
      versions: registry.versionsOf(name),
      platform: PLATFORM,
      ...signature(model),
    }));
    res.json(body);
  };
  const infer = [admitInference(deps), jsonBody(limits.maxBodyBytes), inferenceHandler(deps, V2_INFER)];
  return {
    v2Server: [server],
    v2ModelReady: [modelReady],
    v2VersionReady: [modelReady],
    v2Model: [modelMetadata],
    v2Version: [modelMetadata],
    v2Infer: infer,
    v2InferVersion: infer,
  } satisfies Partial<RouteHandlers>;
}
