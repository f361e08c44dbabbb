import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelCard } from "./model-card.js";
import type { ModelProfile } from "./profile.js";

/**
 * The model repository on disk: `<root>/<model>/<version>/{model.onnx,profile.json,card.json}`.
 * Names and versions come only from directory listings, so no request can make it read another path.
 */

export interface ModelFiles {
  onnx: Buffer;
  /** sha256 of model.onnx, so dashboards can tell which bytes serve. */
  checksum: string;
  profile: ModelProfile;
  card: ModelCard;
}

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

async function subdirectories(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && MODEL_NAME_PATTERN.test(e.name)).map((e) => e.name);
}

/** Numeric versions compare as numbers, others as text, so "10" is later than "9". */
export function compareVersions(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ModelRepository {
  constructor(readonly root: string) {}

  async modelNames(): Promise<string[]> {
    return (await subdirectories(this.root)).sort();
  }

  /** Versions of `name` on disk, oldest first; empty when the model does not exist. */
  async versions(name: string): Promise<string[]> {
    if (!(await this.modelNames()).includes(name)) return [];
    return (await subdirectories(join(this.root, name))).sort(compareVersions);
  }

  async read(name: string, version: string): Promise<ModelFiles> {
    const dir = join(this.root, name, version);
    const [onnx, profile, card] = await Promise.all([
      readFile(join(dir, "model.onnx")),
      readFile(join(dir, "profile.json"), "utf8"),
      readFile(join(dir, "card.json"), "utf8"),
    ]);
    return {
      onnx,
      checksum: createHash("sha256").update(onnx).digest("hex"),
      profile: JSON.parse(profile) as ModelProfile,
      card: JSON.parse(card) as ModelCard,
    };
  }
}
