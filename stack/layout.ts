import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the native stack's files are: the repository's configs, and the git-ignored binaries and data. */

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Binaries and data; the same variable and default as stack/install.sh. */
export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INFERWATCH_STACK_DIR || join(REPO_ROOT, ".stack");
}

export function binary(
  name: "otelcol" | "jaeger" | "prometheus" | "promtool" | "alertmanager" | "amtool" | "mailpit",
): string {
  return join(stackDir(), "bin", name);
}

/**
 * The compiled API (`npm run build`): the SDK's loader first, then the app, as `npm start`, the Dockerfile and
 * the benches run it. The build's root is the repository, since the API imports `contract/`.
 */
export const API_DIST = {
  register: "./dist/ml-api/src/telemetry/register.js",
  main: "dist/ml-api/src/main.js",
} as const;

export const CONFIGS = {
  collector: join(REPO_ROOT, "otel-collector", "config.yaml"),
  jaeger: join(REPO_ROOT, "jaeger", "config.yaml"),
  prometheus: join(REPO_ROOT, "prometheus", "prometheus.yml"),
  alertmanager: join(REPO_ROOT, "alertmanager", "alertmanager.yml"),
} as const;
