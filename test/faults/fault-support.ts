import { join } from "node:path";
import { HTTP } from "../../contract/external-metrics.js";
import { PROM } from "../../contract/prometheus-names.js";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import type { Component } from "../../stack/components.js";
import { REPO_ROOT } from "../../stack/layout.js";
import { waitUntilReady } from "../../stack/readiness.js";
import type { RunningStack } from "../../stack/stack.js";
import { type Exit, Supervised } from "../../stack/supervisor.js";
import { seeded } from "../../traffic/random.js";
import { type Kind, type PlannedRequest, RequestMix } from "../../traffic/request-mix.js";
import type { Sent } from "../../traffic/sender.js";
import { tally } from "../../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";

/**
 * What the fault tests share: a Prometheus client that asks about a past instant, starting and killing
 * processes of a running stack, and an endless stream of valid requests whose counts the test keeps.
 */

export const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;

/** Per route and status, the series the SDK's HTTP server histogram counts with (POSTs only: no probes). */
export const HTTP_COUNTS = `sum by (http_route, http_response_status_code) (histogram_count(${HTTP.duration}{job="${SERVICE}", http_request_method="POST"}))`;
/** Per model, version and outcome, from the SDK's inference histogram. */
export const INFERENCE_COUNTS = `sum by (model_name, model_version, inference_outcome) (histogram_count(${PROM.inferenceDuration}{job="${SERVICE}"}))`;

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  /** `[unix seconds, value as Prometheus prints it]`, oldest first; absent on a native histogram's series. */
  values?: [number, string][];
  /** `[unix seconds, histogram]` of a native histogram's series, oldest first. */
  histograms?: [number, { count: string; sum: string }][];
}

/** The Prometheus HTTP API calls these tests make, each optionally at a past instant. */
export class Prom {
  constructor(readonly baseUrl: string) {}

  private async query<T>(promql: string, at?: number): Promise<{ resultType: string; result: T[] }> {
    const url = new URL("/api/v1/query", this.baseUrl);
    url.searchParams.set("query", promql);
    if (at !== undefined) url.searchParams.set("time", String(at));
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as {
      status: string;
      data: { resultType: string; result: T[] };
      error?: string;
    };
    if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
    return body.data;
  }

  /** An instant vector, now or at `at` (unix seconds). */
  async vector(promql: string, at?: number): Promise<Sample[]> {
    const data = await this.query<{ metric: Record<string, string>; value: [number, string] }>(promql, at);
    if (data.resultType !== "vector") throw new Error(`${promql}: ${data.resultType}, not a vector`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** One number: the single element of a vector, or undefined when it is empty. */
  async scalar(promql: string, at?: number): Promise<number | undefined> {
    const samples = await this.vector(promql, at);
    if (samples.length > 1) throw new Error(`${promql}: ${samples.length} series, want one`);
    return samples[0]?.value;
  }

  /**
   * The raw samples stored for `selector` in the `seconds` up to `at`: a range-vector query returns them as
   * written, with their own timestamps, neither interpolated nor aligned to steps. Sorted, for comparison.
   */
  async rawSamples(selector: string, at: number, seconds: number): Promise<Series[]> {
    const data = await this.query<Series>(`${selector}[${seconds}s]`, at);
    if (data.resultType !== "matrix") throw new Error(`${selector}: ${data.resultType}, not a matrix`);
    const key = (s: Series) => JSON.stringify(Object.entries(s.metric).sort());
    return data.result.sort((a, b) => key(a).localeCompare(key(b)));
  }
}

/** `{"<label values>": value}` of a vector, sorted by key, for whole-map comparisons. */
export function byLabels(samples: Sample[], labels: string[]): Record<string, number> {
  return Object.fromEntries(
    samples
      .map((s) => [labels.map((l) => s.metric[l] ?? "").join(" "), s.value] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** What Prometheus must hold for these requests: HTTP counts by route and status, inferences by outcome. */
export function expectedCounts(sent: readonly Sent[]): {
  http: Record<string, number>;
  inference: Record<string, number>;
} {
  const t = tally(sent);
  const sortKeys = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  return {
    http: sortKeys(Object.fromEntries(t.http.map((h) => [`${h.route} ${h.status}`, h.count]))),
    inference: sortKeys(
      Object.fromEntries(t.inference.map((i) => [`${i.model} ${i.version} ${i.outcome}`, i.count])),
    ),
  };
}

/**
 * Starts one more process beside a running stack (a restarted component, a second replica, a receiver);
 * it joins the stack's process list, so the stack's stop() stops it too, even when the test fails.
 */
export async function launchBeside(
  stack: RunningStack,
  component: Component,
  logName: string,
  readyTimeoutMs = 60_000,
): Promise<{ process: Supervised; readyMs: number }> {
  const child = Supervised.launch({
    name: component.name,
    command: component.command,
    args: component.args,
    // process.env values are strings; its type also allows undefined for names that are not set.
    env: { ...process.env, ...component.env } as Record<string, string>,
    cwd: REPO_ROOT,
    logFile: join(stack.settings.runDir, "logs", `${logName}.log`),
  });
  stack.processes.push(child);
  const readyMs = await waitUntilReady(component.readyUrl, child, { timeoutMs: readyTimeoutMs });
  return { process: child, readyMs };
}

/** The stack's one running process of that name. */
export function running(stack: RunningStack, name: string): Supervised {
  const found = stack.processes.filter((p) => p.name === name && p.exitStatus === undefined);
  if (found.length !== 1) throw new Error(`${found.length} running processes named ${name}, want one`);
  return found[0] as Supervised;
}

/** SIGKILL, as the OOM killer or a node failure would: no shutdown hook, no flush. Resolves on exit. */
export async function sigkill(process_: Supervised): Promise<Exit> {
  const pid = process_.pid;
  if (pid === undefined) throw new Error(`${process_.name} has no pid`);
  process.kill(pid, "SIGKILL");
  return process_.exited;
}

/** Only requests the API answers 200, over both protocols: any other status is an error the test shows. */
export const VALID_KINDS: readonly Kind[] = ["v1_named", "v2_latest", "v2_version"];

/**
 * Valid requests to the bundled model, of the given kinds in turn, rows drawn reproducibly from each
 * version's training profile (single rows and small batches).
 */
export async function validRequests(
  apiUrl: string,
  kinds: readonly Kind[],
  seed: number,
): Promise<() => PlannedRequest> {
  const target = await discoverTarget(apiUrl, "penguins", BUNDLED_MODEL_REPOSITORY);
  const mix = new RequestMix(target, heldOutRecords(BUNDLED_MODEL_REPOSITORY, target), seeded(seed), {
    missingRate: 0,
    batchSizes: [
      [1, 3],
      [4, 1],
    ],
  });
  let i = 0;
  return () => mix.of(kinds[i++ % kinds.length] as Kind);
}

/** `n` requests from `next`. */
export function take(next: () => PlannedRequest, n: number): PlannedRequest[] {
  return Array.from({ length: n }, next);
}

/** Requests from `next` until `signal` aborts (the sender checks it before each request). */
export function* until(next: () => PlannedRequest, signal: AbortSignal): Generator<PlannedRequest> {
  while (!signal.aborted) yield next();
}
