import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StackSettings, Tuning } from "../stack/components.js";
import { address, freePorts } from "../stack/ports.js";
import { startStack } from "../stack/stack.js";
import type { E2EStack } from "../test/e2e/e2e-stack.js";

/**
 * The native stack as users get it, for benchmarks that time the pipeline: on free ports in a temporary
 * folder, but with every committed interval, rule and Alertmanager timer left as it is (an empty Tuning is
 * "the committed defaults"). Only where Alertmanager delivers may change (`alertmanager`); unset, it reads
 * its secrets from an empty folder, never alertmanager/secrets/: a benchmark must not page anyone. `tuning`
 * is for trying a candidate default, and is reported as such by the benchmark that sets it.
 */
export async function startDefaultStack(
  options: { alertmanager?: StackSettings["alertmanager"]; tuning?: Tuning } = {},
): Promise<E2EStack> {
  const ports = await freePorts();
  const runDir = mkdtempSync(join(tmpdir(), "inferwatch-bench-"));
  const noSecrets = join(runDir, "no-secrets");
  mkdirSync(noSecrets);
  let stack: E2EStack["stack"];
  try {
    stack = await startStack(
      {
        ports,
        runDir,
        api: "source",
        tuning: options.tuning ?? {},
        retention: "1h",
        apiEnv: {},
        alertmanager: options.alertmanager ?? { secretsDir: noSecrets },
      },
      { readyTimeoutMs: 60_000 },
    );
  } catch (error) {
    throw new Error(`the stack did not start (logs in ${runDir}/logs): ${(error as Error).message}`);
  }
  return {
    stack,
    ports,
    runDir,
    url: (port) => `http://${address(ports[port])}`,
    async stop(keep) {
      await stack.stop();
      if (keep) process.stderr.write(`stack logs kept in ${runDir}/logs\n`);
      else rmSync(runDir, { recursive: true, force: true });
    },
  };
}
