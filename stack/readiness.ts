import { describeExit, type Supervised } from "./supervisor.js";

/** Waiting for a component to answer its health or readiness endpoint, with a deadline. */

export class NotReadyError extends Error {}

export interface ReadyOptions {
  /** Gives up after this long. */
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `url` until it answers 200. Fails at once when `process` exits (with the end of its output, which
 * says why: a taken port, a config error), and at the deadline with the last answer or error.
 */
export async function waitUntilReady(
  url: string,
  process: Supervised,
  options: ReadyOptions,
): Promise<number> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let last = "no answer yet";
  for (;;) {
    const exit = process.exitStatus;
    if (exit) {
      throw new NotReadyError(
        `${process.name} ${describeExit(exit)} before it was ready (log: ${process.spec.logFile}):\n${process.tail()}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(interval, 1000)) });
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - started;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "?";
    }
    if (Date.now() > deadline) {
      throw new NotReadyError(
        `${process.name} not ready at ${url} after ${options.timeoutMs} ms (${last}; log: ${process.spec.logFile}):\n${process.tail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
