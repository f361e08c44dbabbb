import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import type { ModelTarget } from "./request-mix.js";

/**
 * The model to send traffic to: its versions and latest version as the running API reports them, and each
 * version's training profile from the model repository (the rows are drawn from it).
 */
export async function discoverTarget(
  baseUrl: string,
  model: string,
  repository: string,
): Promise<ModelTarget> {
  const get = async (path: string) => {
    const res = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const metadata = (await get(`/v2/models/${encodeURIComponent(model)}`)) as { versions: string[] };
  const status = (await get(`/v1/models/${encodeURIComponent(model)}`)) as { version: string };
  const profiles = new Map<string, ModelProfile>();
  for (const version of metadata.versions) {
    const file = join(repository, model, version, "profile.json");
    profiles.set(version, JSON.parse(readFileSync(file, "utf8")) as ModelProfile);
  }
  return { name: model, profiles, latest: status.version };
}
