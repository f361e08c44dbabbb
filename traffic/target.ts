import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import type { ModelTarget, V2Signature } from "./request-mix.js";
import { type CsvRecord, readRecords } from "./row-replay.js";

/**
 * The model to send traffic to: its versions and latest version as the running API reports them, each
 * version's V2 input tensors from its metadata, and each version's training profile from the model
 * repository (it types the replayed rows).
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
  const name = encodeURIComponent(model);
  const metadata = (await get(`/v2/models/${name}`)) as { versions: string[] };
  const status = (await get(`/v1/models/${name}`)) as { version: string };
  const profiles = new Map<string, ModelProfile>();
  const signatures = new Map<string, V2Signature>();
  for (const version of metadata.versions) {
    const file = join(repository, model, version, "profile.json");
    profiles.set(version, JSON.parse(readFileSync(file, "utf8")) as ModelProfile);
    // A version that is not loaded has no metadata; its requests use the per-feature tensors.
    const res = await fetch(new URL(`/v2/models/${name}/versions/${encodeURIComponent(version)}`, baseUrl), {
      signal: AbortSignal.timeout(5000),
    });
    if (res.ok) signatures.set(version, (await res.json()) as V2Signature);
    else await res.arrayBuffer();
  }
  return { name: model, profiles, signatures, latest: status.version };
}

/**
 * The rows replayed when no other data is given: the held-out rows training left beside the latest version
 * (`heldout.csv`), rows the model never learnt from.
 */
export function heldOutRecords(repository: string, target: ModelTarget): CsvRecord[] {
  const file = join(repository, target.name, target.latest, "heldout.csv");
  if (!existsSync(file)) {
    throw new Error(
      `${target.name} version ${target.latest} has no held-out rows (${file}); give a CSV with --data`,
    );
  }
  return readRecords(file);
}
