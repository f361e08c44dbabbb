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
import { v2OutputTensors, v2RequestTensors } from "./v2-signature.js";
import {
  type MetadataTensor,
  OUTPUT_LABEL,
  OUTPUT_PREDICTION_ID,
  type ResponseTensor,
} from "./v2-tensors.js";

/** The platform name the protocol defines for ONNX models run by ONNX Runtime. */
const PLATFORM = "onnx_onnxv1";

/** The protocol's extension list; the repository extension is the only one served. */
export const V2_EXTENSIONS = ["model_repository"];

type ModelParams = { name: string; version?: string };

function signature(model: LoadedModel): { inputs: MetadataTensor[]; outputs: MetadataTensor[] } {
  return { inputs: v2RequestTensors(model).map((t) => t.metadata), outputs: v2OutputTensors(model) };
}

const V2_INFER: InferenceProtocol<V2Request> = {
  parse: parseV2Request,
  respond: (model, request, { output }, issueIds) => {
    const byName = new Map(v2OutputTensors(model).map((t) => [t.name, t]));
    const rows = output.task === "regression" ? output.values.length : output.predictions.length;
    const tensor = (name: string, data: (number | string)[]): ResponseTensor => {
      const meta = byName.get(name) as MetadataTensor;
      return { name, datatype: meta.datatype, shape: meta.shape.map((d) => (d < 0 ? rows : d)), data };
    };
    const data = (name: string): (number | string)[] => {
      if (name === OUTPUT_PREDICTION_ID) return issueIds();
      if (output.task === "regression") return Array.from(output.values);
      return name === OUTPUT_LABEL
        ? output.predictions.map((p) => p.label)
        : Array.from(output.probabilities);
    };
    const outputs = request.outputs.map((name) => tensor(name, data(name)));
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
