import { type Request, Router } from "express";
import type { LoadedModel } from "../inference/loaded-model.js";
import type { ModelRegistry } from "../inference/model-registry.js";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import { jsonBody } from "./json-body.js";
import type { RouteLimits } from "./kserve-v1-routes.js";
import { parseV2Request } from "./v2-request.js";
import {
  type MetadataTensor,
  OUTPUT_LABEL,
  OUTPUT_PROBABILITIES,
  type ResponseTensor,
} from "./v2-tensors.js";

/** The platform name the protocol defines for ONNX models run by ONNX Runtime. */
const PLATFORM = "onnx_onnxv1";

/** The protocol's extension list; the repository extension is the only one served. */
export const V2_EXTENSIONS = ["model_repository"];

type ModelParams = { name: string; version?: string };

function signature(model: LoadedModel): { inputs: MetadataTensor[]; outputs: MetadataTensor[] } {
  return {
    inputs: model.profile.features.map((f) => ({
      name: f.name,
      datatype: f.type === "numeric" ? "FP32" : "BYTES",
      shape: [-1],
    })),
    outputs: [
      { name: OUTPUT_LABEL, datatype: "BYTES", shape: [-1] },
      { name: OUTPUT_PROBABILITIES, datatype: "FP32", shape: [-1, model.profile.classes.length] },
    ],
  };
}

/**
 * Open Inference Protocol V2 REST data plane. Every model route exists with and without
 * `/versions/:version`, registered as separate templates so the route label stays readable.
 */
export function oipV2Routes(registry: ModelRegistry, limits: RouteLimits): Router {
  const router = Router();
  const both = (suffix: string) => [
    `/v2/models/:name${suffix}`,
    `/v2/models/:name/versions/:version${suffix}`,
  ];

  router.get("/v2", (_req, res) => {
    res.json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: V2_EXTENSIONS });
  });

  router.get(both("/ready"), (req: Request<ModelParams>, res) => {
    const { name, version } = req.params;
    const ready = registry.isReady(name, version);
    res.status(ready ? 200 : 503).json({ name, ready });
  });

  router.get(both(""), async (req: Request<ModelParams>, res) => {
    const { name, version } = req.params;
    const body = await registry.withModel(name, version, async (model) => ({
      name,
      versions: registry.versionsOf(name),
      platform: PLATFORM,
      ...signature(model),
    }));
    res.json(body);
  });

  router.post(both("/infer"), jsonBody(limits.maxBodyBytes), async (req: Request<ModelParams>, res) => {
    const { name, version } = req.params;
    const body = await registry.withModel(name, version, async (model) => {
      const request = parseV2Request(req.body, model, limits.maxBatchRows);
      const { predictions, probabilities } = await model.infer(request.rows);
      const rows = predictions.length;
      const outputs: ResponseTensor[] = [];
      for (const output of request.outputs) {
        outputs.push(
          output === OUTPUT_LABEL
            ? { name: output, datatype: "BYTES", shape: [rows], data: predictions.map((p) => p.label) }
            : {
                name: output,
                datatype: "FP32",
                shape: [rows, model.profile.classes.length],
                data: Array.from(probabilities),
              },
        );
      }
      return {
        model_name: name,
        model_version: model.version,
        ...(request.id === undefined ? {} : { id: request.id }),
        outputs,
      };
    });
    res.json(body);
  });

  return router;
}
