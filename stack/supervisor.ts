import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

/**
 * One child process of the stack: its output goes to a log file (and the last few KiB stay in memory for
 * error messages), and it can be stopped with SIGTERM, then SIGKILL after a grace period.
 *
 * Each child leads its own process group, so a Ctrl-C in the terminal reaches only `npm run stack`, which
 * then stops the children in order (the API first, so its last telemetry still reaches the collector).
 */

export interface LaunchSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_BYTES = 4096;

/** Children still running, killed with the parent if it exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort for a parent that throws or calls process.exit() before stop(): an orphaned collector or
  // Prometheus would hold its ports for the next run. Only synchronous work is possible here.
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  });
}

export class Supervised {
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private tailText = "";
  private stopping = false;

  private constructor(
    readonly spec: LaunchSpec,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (exit: Exit) => {
        this.exit ??= exit;
        running.delete(child);
        resolve(this.exit);
      };
      child.once("exit", (code, signal) => done({ code, signal }));
      // A command that cannot be spawned at all (missing binary) emits only "error".
      child.once("error", () => {
        if (child.pid === undefined) done({ code: 127, signal: null });
      });
    });
  }

  static launch(spec: LaunchSpec): Supervised {
    installExitHook();
    const log = createWriteStream(spec.logFile);
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    running.add(child);
    const supervised = new Supervised(spec, child);
    const capture = (chunk: Buffer) => {
      log.write(chunk);
      supervised.tailText = (supervised.tailText + chunk.toString()).slice(-TAIL_BYTES);
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    child.once("error", (error) => capture(Buffer.from(`[stack] could not start: ${error.message}\n`)));
    child.once("close", () => log.end());
    return supervised;
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The exit status once it has exited, else undefined. */
  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  /** True when it exited without being asked to. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  /** The last few KiB it wrote. */
  tail(): string {
    return this.tailText;
  }

  /** SIGTERM to its process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<Exit> {
    this.stopping = true;
    if (this.exit) return this.exit;
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.signal("SIGKILL");
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
