import type { PlannedRequest } from "./request-mix.js";

/**
 * Sends requests at a steady rate (request i leaves at start + i / rate) with a cap on requests in flight;
 * when the API is slower than the rate allows, the cap holds requests back and the achieved rate says so.
 * Plain fetch: the point is a known, countable mix of bodies, not the highest request rate.
 */

export interface SendOptions {
  baseUrl: string;
  /** Requests per second; Infinity sends as fast as the in-flight cap allows. */
  rate: number;
  concurrency: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Sent {
  request: PlannedRequest;
  /** HTTP status, or 0 when no answer came (connection refused, timeout). */
  status: number;
  ms: number;
  error?: string;
}

export interface SendReport {
  sent: Sent[];
  seconds: number;
}

export async function send(
  requests: Iterable<PlannedRequest>,
  options: SendOptions,
  onSent?: (sent: Sent) => void,
): Promise<SendReport> {
  const started = performance.now();
  const sent: Sent[] = [];
  const inFlight = new Set<Promise<void>>();
  let i = 0;
  for (const request of requests) {
    if (options.signal?.aborted) break;
    const due = started + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const one = sendOne(request, options).then((result) => {
      sent.push(result);
      onSent?.(result);
    });
    const tracked = one.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    i++;
  }
  await Promise.all(inFlight);
  return { sent, seconds: (performance.now() - started) / 1000 };
}

async function sendOne(request: PlannedRequest, options: SendOptions): Promise<Sent> {
  const t0 = performance.now();
  try {
    const res = await fetch(new URL(request.path, options.baseUrl), {
      method: request.method,
      headers: { "content-type": "application/json" },
      body: request.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await res.arrayBuffer();
    return { request, status: res.status, ms: performance.now() - t0 };
  } catch (error) {
    const message =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "?";
    return { request, status: 0, ms: performance.now() - t0, error: message };
  }
}
