import type { RequestHandler } from "express";
import type { ModelRegistry, ModelState } from "../inference/model-registry.js";
import { ajv } from "../serving/feature-schemas.js";
import { schemaError } from "../serving/schema-errors.js";
import { jsonBody } from "./json-body.js";
import type { RouteLimits } from "./kserve-v1-routes.js";
import type { RouteHandlers } from "./route.js";

/** The repository extension reports states in Triton's vocabulary, which its clients parse. */
const PROTOCOL_STATE: Record<ModelState, string> = {
  loading: "LOADING",
  ready: "READY",
  unloaded: "UNAVAILABLE",
  failed: "UNAVAILABLE",
};

interface IndexBody {
  ready?: boolean;
}
/** `version` is this server's parameter: without it, load and unload act on every version of the model. */
interface ControlBody {
  parameters?: { version?: string } & Record<string, unknown>;
}

const validateIndex = ajv.compile<IndexBody>({
  type: "object",
  additionalProperties: false,
  properties: { ready: { type: "boolean" } },
});
const validateControl = ajv.compile<ControlBody>({
  type: "object",
  additionalProperties: false,
  properties: {
    parameters: { type: "object", properties: { version: { type: "string", maxLength: 64 } } },
  },
});

function controlVersion(body: unknown): string | undefined {
  const parsed = body ?? {};
  if (!validateControl(parsed)) throw schemaError(validateControl.errors);
  return parsed.parameters?.version;
}

/**
 * Open Inference Protocol model repository extension: list, load and unload models at run time. Load and
 * unload change what is served, so `auth` (the control token) guards them; the index only reads, like
 * model metadata, and stays open.
 */
export function repositoryRoutes(registry: ModelRegistry, limits: RouteLimits, auth: RequestHandler) {
  const body = jsonBody(limits.maxBodyBytes, { optional: true });
  const index: RequestHandler = async (req, res) => {
    const parsed = req.body ?? {};
    if (!validateIndex(parsed)) throw schemaError(validateIndex.errors);
    const all = await registry.index();
    res.json(
      all
        .filter((s) => !parsed.ready || s.state === "ready")
        .map((s) => ({ name: s.name, version: s.version, state: PROTOCOL_STATE[s.state], reason: s.reason })),
    );
  };
  const load: RequestHandler<{ name: string }> = async (req, res) => {
    await registry.load(req.params.name, controlVersion(req.body));
    res.status(200).json({});
  };
  const unload: RequestHandler<{ name: string }> = async (req, res) => {
    await registry.unload(req.params.name, controlVersion(req.body));
    res.status(200).json({});
  };
  return {
    repositoryIndex: [body, index],
    repositoryLoad: [auth, body, load],
    repositoryUnload: [auth, body, unload],
  } satisfies Partial<RouteHandlers>;
}
