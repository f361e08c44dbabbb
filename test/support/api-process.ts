import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testSecretEnv } from "./control-secrets.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  /** Every line the process wrote to stdout so far, parsed as JSON where it is JSON. */
  logs: Record<string, unknown>[];
  stderr(): string;
  exited: Promise<number | null>;
}

/** Waits until `check` returns a value, polling every 20 ms, failing after `timeoutMs`. */
export async function poll<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a server script (TypeScript through tsx, or compiled JavaScript) as its own process on a port the OS picks (PORT=0); the port is read
 * from its JSON "listening" log line, so there is no race for a free port. `wrapper` runs Node under another
 * program (valgrind, in `bench/instructions.ts`).
 */
export async function spawnListening(
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  { wrapper = [], startTimeoutMs = 15_000 }: { wrapper?: string[]; startTimeoutMs?: number } = {},
): Promise<ApiProcess> {
  // Compiled JavaScript runs on plain Node, as in production; TypeScript sources through tsx.
  const loader = script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const [command = process.execPath, ...wrapperArgs] = wrapper;
  const args = [
    ...wrapperArgs,
    ...(wrapper.length ? [process.execPath] : []),
    ...loader,
    ...nodeArgs,
    script,
  ];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0", GRPC_PORT: "0", HOST: "127.0.0.1", ...testSecretEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const port = await poll(
    `${script} to listen`,
    () => {
      if (gone) throw new Error(`${script} exited before listening: ${stderr}`);
      const line = logs.find((l) => l.msg === "listening");
      return line ? Number(line.port) : undefined;
    },
    startTimeoutMs,
  );
  return { child, port, logs, stderr: () => stderr, exited };
}

/** The ML API from its TypeScript sources, as a process of its own. */
export function spawnApi(env: Record<string, string> = {}): Promise<ApiProcess> {
  return spawnListening("ml-api/src/main.ts", env);
}

/** The ML API started the way production starts it: the OpenTelemetry SDK loaded first. */
export function spawnInstrumentedApi(
  env: Record<string, string> = {},
  options: { startTimeoutMs?: number } = {},
): Promise<ApiProcess> {
  return spawnListening(
    "ml-api/src/main.ts",
    env,
    ["--import", "./ml-api/src/telemetry/register.ts"],
    options,
  );
}
