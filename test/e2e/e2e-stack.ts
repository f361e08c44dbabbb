import { existsSync } from "node:fs";
import { afterAll, beforeEach } from "vitest";
import type { Tuning } from "../../stack/components.js";
import { binary } from "../../stack/layout.js";
import { type ScratchStack, startScratchStack } from "../../stack/scratch-stack.js";

/**
 * The whole native stack for a test file: on free ports (never a developer's stack on the default ones),
 * in a temporary folder, with every interval shortened so a request reaches PromQL in a couple of seconds.
 */

/** API export 1 s, span export 0.2 s, batch 0.2 s, span metrics flush 1 s, host metrics 1 s, scrape 1 s. */
export const E2E_TUNING: Tuning = {
  metricExportIntervalMs: 1000,
  spanExportDelayMs: 200,
  batchTimeout: "200ms",
  spanMetricsFlushInterval: "1s",
  hostMetricsInterval: "1s",
  scrapeInterval: "1s",
};

/** Small drift windows, so `inferwatch_drift_psi` appears after a few hundred rows. */
export const E2E_DRIFT_MIN_SAMPLES = 50;

const NEEDED = ["otelcol", "jaeger", "prometheus", "promtool", "alertmanager", "mailpit"] as const;

/**
 * Why the stack cannot run here, or undefined when it can. Missing binaries skip the suite on a developer's
 * machine that has not run `bash stack/install.sh`; in CI (`CI` set) they are a failure instead.
 */
export function stackUnavailable(): string | undefined {
  const missing = NEEDED.filter((name) => !existsSync(binary(name)));
  if (missing.length === 0) return undefined;
  const why = `${missing.join(", ")} not installed; run \`bash stack/install.sh\``;
  if (process.env.CI) throw new Error(`CI must run the end-to-end suite: ${why}`);
  return why;
}

export type E2EStack = ScratchStack;

export function startE2EStack(apiEnv: Record<string, string> = {}): Promise<E2EStack> {
  return startScratchStack("e2e", {
    tuning: E2E_TUNING,
    apiEnv: { DRIFT_MIN_SAMPLES: String(E2E_DRIFT_MIN_SAMPLES), ...apiEnv },
  });
}

/** Stops the file's stack after its tests, keeping its logs when any test failed. */
export function stopAfterTests(stack: () => E2EStack | undefined): void {
  let failed = false;
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    await stack()?.stop(failed);
  }, 60_000);
}
