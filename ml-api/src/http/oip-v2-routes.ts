import { type RequestHandler, Router } from "express";
import type { LoadedModel } from "../inference/loaded-model.js";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";
import {
  admitInference,
  type InferenceDeps,
  type InferenceProtocol,
  inferenceHandler,
} from "./inference-handler.js";
import { jsonBody } from "./json-body.js";
import type { RouteLimits } from "./kserve-v1-routes.js";
import { labelRoute } from "./route-label.js";
import { parseV2Request, type V2Request } from "./v2-request.js";
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

const V2_INFER: InferenceProtocol<V2Request> = {
  parse: parseV2Request,
  respond: (model, request, { predictions, probabilities }) => {
    const rows = predictions.length;
    const outputs: ResponseTensor[] = request.outputs.map((output) =>
      output === OUTPUT_LABEL
        ? { name: output, datatype: "BYTES", shape: [rows], data: predictions.map((p) => p.label) }
        : {
            name: output,
            datatype: "FP32",
            shape: [rows, model.profile.classes.length],
            data: Array.from(probabilities),
          },
    );
    return {
      model_name: model.name,
      model_version: model.version,
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs,
    };
  },
};

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
