import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiSecretFiles, controlAuthorization, ensureApiSecrets } from "../../stack/api-secrets.js";

let files: ApiSecretFiles | undefined;

/** One control token and prediction id key per test process, made as the native stack makes them. */
export function testSecretFiles(): ApiSecretFiles {
  files ??= ensureApiSecrets(join(mkdtempSync(join(tmpdir(), "inferwatch-secrets-")), "secrets"));
  return files;
}

/** The API's settings that point at the test secrets. */
export function testSecretEnv(): Record<string, string> {
  const f = testSecretFiles();
  return { INFERWATCH_CONTROL_TOKEN_FILE: f.controlToken, PREDICTION_ID_KEY_FILE: f.predictionIdKey };
}

/** `{authorization: "Bearer <token>"}`, the header feedback, load and unload need. */
export function controlHeaders(): Record<string, string> {
  return { authorization: controlAuthorization(testSecretFiles()) };
}
