import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIOME = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));

/**
 * JSON as the repository's Biome config formats it, so the generated dashboards pass `biome check` as they
 * are written (short arrays on one line, 110 columns). `path` is where the file lives in the repository: Biome
 * picks its settings by it.
 */
export function formatJson(path: string, json: string): string {
  const result = spawnSync(BIOME, ["format", `--stdin-file-path=${path}`], {
    cwd: REPO_ROOT,
    input: json,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `biome format ${path} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`,
    );
  }
  return result.stdout;
}
