/**
 * `npm run stack`: installs what is missing (stack/install.sh), builds the API, starts the collector, Jaeger,
 * Prometheus, Alertmanager, Mailpit and the instrumented ML API on this machine, prints where they are, and
 * stops them all on Ctrl-C (SIGINT) or SIGTERM. Ports: stack/ports.ts, each moved by its INFERWATCH_*_PORT variable.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { apiSecretFiles } from "./api-secrets.js";
import { urls } from "./components.js";
import { REPO_ROOT, stackDir } from "./layout.js";
import { PortError, portsFromEnv } from "./ports.js";
import { npmRunStackSettings } from "./settings.js";
import { type RunningStack, startStack } from "./stack.js";

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`);

function run(command: string, args: string[]): void {
  say(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    say(`${command} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  let ports: ReturnType<typeof portsFromEnv>;
  try {
    ports = portsFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof PortError)) throw error;
    say(`error: ${error.message}`);
    process.exit(2);
  }
  run("bash", ["stack/install.sh"]);
  run("npm", ["run", "--silent", "build"]);

  const apiSecretsDir = join(stackDir(), "secrets");
  const settings = { ...npmRunStackSettings(), ports, runDir: join(stackDir(), "run"), apiSecretsDir };
  say(`starting; logs in ${join(settings.runDir, "logs")}`);
  let stack: RunningStack;
  try {
    stack = await startStack(settings, { log: say });
  } catch (error) {
    say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }

  say(`ready in ${(stack.startMs / 1000).toFixed(1)} s`);
  const width = Math.max(...Object.keys(urls(ports)).map((k) => k.length));
  for (const [what, url] of Object.entries(urls(ports))) say(`  ${what.padEnd(width)}  ${url}`);
  say(
    `feedback, load and unload need: Authorization: Bearer $(cat ${apiSecretFiles(apiSecretsDir).controlToken})`,
  );
  say("Ctrl-C stops everything");

  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping`);
    await stack.stop();
    say("stopped");
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => void shutdown(signal, 0));
  }
  // npm exits on SIGTERM without passing it on, which would leave this process and every component
  // running as orphans: when the parent goes, stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown("parent process exited", 0);
  }, 1000).unref();
  stack.crashed.catch((error: Error) => {
    say(error.message);
    void shutdown("a component stopped", 1);
  });
}

await main();
