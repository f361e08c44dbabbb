import { type RequestHandler, Router } from "express";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import type { InferenceDeps } from "../serving/inference-call.js";
import { PLATFORM, signature, V2_EXTENSIONS, V2_INFER } from "../serving/v2-protocol.js";
import { admitInference, inferenceHandler } from "./inference-handler.js";
import { jsonBody } from "./json-body.js";
import type { RouteLimits } from "./kserve-v1-routes.js";
import { labelRoute } from "./route-label.js";

type ModelParams = { name: string; version?: string };

/**
 * Open Inference Protocol V2 REST data plane. Every model route exists with and without
 * `/versions/:version`, registered as separate templates so the route label stays readable.
 */
export function oipV2Routes(deps: InferenceDeps, limits: RouteLimits): Router {
  const { registry } = deps;
  const router = Router();
  const both = (suffix: string) => [
    `/v2/models/:name${suffix}`,
    `/v2/models/:name/versions/:version${suffix}`,
  ];

  router.get("/v2", labelRoute, (_req, res) => {
    res.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: V2_EXTENSIONS });
  });

  const modelReady: RequestHandler<ModelParams> = (req, res) => {
    const { name, version } = req.params;
    const ready = registry.isReady(name, version);
    res.status(ready ? 200 : 503).json({ name, ready });
  };
  const modelMetadata: RequestHandler<ModelParams> = async (req, res) => {
    const { name, version } = req.params;
    const body = await registry.withModel(name, version, async (model) => ({
      name,
      versions: registry.versionsOf(name),
      platform: PLATFORM,
      ...signature(model),
    }));
    res.json(body);
  };
  const admit = admitInference(deps);
  const infer = inferenceHandler(deps, V2_INFER);
  // One registration per template: Express would report an array of paths as one comma-joined route label.
  for (const path of both("/ready")) router.get(path, labelRoute, modelReady);
  for (const path of both("")) router.get(path, labelRoute, modelMetadata);
  for (const path of both("/infer"))
    router.post(path, labelRoute, admit, jsonBody(limits.maxBodyBytes), infer);

  return router;
}
