import { type Request, Router } from "express";
import type { ModelRegistry } from "../inference/model-registry.js";
import { jsonBody } from "./json-body.js";
import { parseV1Request } from "./v1-request.js";

export interface RouteLimits {
  maxBodyBytes: number;
  maxBatchRows: number;
}

/** KServe V1 data plane: model status and `:predict`, always on the latest loaded version. */
export function kserveV1Routes(registry: ModelRegistry, limits: RouteLimits): Router {
  const router = Router();

  router.get("/v1/models", async (_req, res) => {
    res.json({ models: [...new Set((await registry.index()).map((s) => s.name))] });
  });

  router.get("/v1/models/:name", (req: Request<{ name: string }>, res) => {
    const lease = registry.acquire(req.params.name);
    lease.release();
    res.json({ name: req.params.name, ready: true, version: lease.model.version });
  });

  router.post(
    "/v1/models/:name\\:predict",
    jsonBody(limits.maxBodyBytes),
    async (req: Request<{ name: string }>, res) => {
      const result = await registry.withModel(req.params.name, undefined, async (model) => {
        const rows = parseV1Request(req.body, model, limits.maxBatchRows);
        return { version: model.version, inference: await model.infer(rows) };
      });
      res.json({
        predictions: result.inference.predictions.map((p) => ({
          label: p.label,
          confidence: p.confidence,
          probabilities: p.probabilities,
          model_version: result.version,
        })),
      });
    },
  );

  return router;
}
