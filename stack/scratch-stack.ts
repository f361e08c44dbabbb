import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StackSettings } from "./components.js";
import { address, freePorts, type Ports } from "./ports.js";
import { type RunningStack, startStack } from "./stack.js";

/**
 * A whole native stack on free ports in a temporary folder, never touching a stack someone left running on
 * the default ports: what the end-to-end tests and the pipeline benchmarks run.
 */
export interface ScratchStack {
  stack: RunningStack;
  ports: Ports;
  runDir: string;
  url(port: keyof Ports): string;
  /** Stops every process; removes the folder unless `keep` (then its logs tell what went wrong). */
  stop(keep: boolean): Promise<void>;
}

/**
 * Starts one. Unset settings are the committed defaults: the API from source, every committed interval
 * (an empty Tuning), an hour of retention. Unless `alertmanager` says where to deliver, Alertmanager reads
 * its secrets from an empty folder, never alertmanager/secrets/: a test or a benchmark must not page
 * anyone. `label` names the temporary folder.
 */
export async function startScratchStack(
  label: string,
  settings: Partial<Omit<StackSettings, "ports" | "runDir">> = {},
): Promise<ScratchStack> {
  const ports = await freePorts();
  const runDir = mkdtempSync(join(tmpdir(), `inferwatch-${label}-`));
  const noSecrets = join(runDir, "no-secrets");
  mkdirSync(noSecrets);
  let stack: RunningStack;
  try {
    stack = await startStack(
      {
        api: "source",
        tuning: {},
        retention: "1h",
        apiEnv: {},
        alertmanager: { secretsDir: noSecrets },
        ...settings,
        ports,
        runDir,
      },
      { readyTimeoutMs: 60_000 },
    );
  } catch (error) {
    // startStack has stopped what it started; the logs stay for the reader.
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
