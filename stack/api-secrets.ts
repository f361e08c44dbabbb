import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The API's two secrets as the native stack keeps them: made at first start, kept across restarts. */
export interface ApiSecretFiles {
  controlToken: string;
  predictionIdKey: string;
}

export function apiSecretFiles(dir: string): ApiSecretFiles {
  return { controlToken: join(dir, "control-token"), predictionIdKey: join(dir, "prediction-id-key") };
}

/**
 * Writes each missing secret (32 random bytes, hex) readable by the owner only, and returns the paths.
 * The key is kept, so prediction ids issued before a restart still verify after it.
 */
export function ensureApiSecrets(dir: string): ApiSecretFiles & { created: string[] } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = apiSecretFiles(dir);
  const created: string[] = [];
  for (const path of Object.values(files)) {
    if (existsSync(path)) continue;
    writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    created.push(path);
  }
  return { ...files, created };
}

/** The `Authorization` header value the control routes want. */
export function controlAuthorization(files: ApiSecretFiles): string {
  return `Bearer ${readFileSync(files.controlToken, "utf8").trim()}`;
}
