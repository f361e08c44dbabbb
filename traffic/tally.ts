import type { Outcome } from "../contract/metric-catalogue.js";
import type { Sent } from "./sender.js";

/**
 * What was sent, counted the way Prometheus counts it: HTTP requests by route and status, inferences by
 * model, version and outcome. A request's outcome follows from the status the API gave (the API records
 * exactly one outcome per request whose model version it knows); unknown models and versions, and bodies
 * rejected before a model is looked up, add to no model series.
 */

export interface HttpCount {
  method: string;
  route: string;
  status: number;
  count: number;
}

export interface InferenceTally {
  model: string;
  version: string;
  outcome: Outcome;
  count: number;
}

export interface Tally {
  requests: number;
  rows: number;
  http: HttpCount[];
  inference: InferenceTally[];
  byKind: Record<string, number>;
  /** Requests whose status differed from what the plan expected. */
  unexpected: Sent[];
}

function outcomeOf(status: number): Outcome | undefined {
  if (status === 200) return "success";
  if (status === 503) return "unavailable";
  if (status >= 500) return "error";
  if (status >= 400 && status !== 404) return "invalid_input";
  return undefined;
}

export function tally(sent: readonly Sent[]): Tally {
  const http = new Map<string, HttpCount>();
  const inference = new Map<string, InferenceTally>();
  const byKind: Record<string, number> = {};
  const unexpected: Sent[] = [];
  let rows = 0;
  for (const s of sent) {
    const { request, status } = s;
    byKind[request.kind] = (byKind[request.kind] ?? 0) + 1;
    if (status !== request.expected.status) unexpected.push(s);
    if (status === 0) continue;
    if (status === 200) rows += request.rows;
    const httpKey = `${request.method} ${request.route} ${status}`;
    const h = http.get(httpKey) ?? { method: request.method, route: request.route, status, count: 0 };
    h.count++;
    http.set(httpKey, h);
    const target = request.expected.inference;
    const outcome = outcomeOf(status);
    if (target && outcome) {
      const key = `${target.model} ${target.version} ${outcome}`;
      const t = inference.get(key) ?? { model: target.model, version: target.version, outcome, count: 0 };
      t.count++;
      inference.set(key, t);
    }
  }
  const byName = <T>(a: T, b: T) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return {
    requests: sent.length,
    rows,
    http: [...http.values()].sort(byName),
    inference: [...inference.values()].sort(byName),
    byKind,
    unexpected,
  };
}

/** The tally as a few aligned tables, for people. */
export function formatTally(t: Tally, seconds: number): string {
  const lines = [
    `sent ${t.requests} requests (${t.rows} rows predicted) in ${seconds.toFixed(1)} s, ${(t.requests / Math.max(seconds, 1e-9)).toFixed(1)} req/s`,
    "",
    "by route and status:",
    ...t.http.map((h) => `  ${String(h.count).padStart(7)}  ${h.method} ${h.route}  ${h.status}`),
    "",
    "inferences by model, version and outcome:",
    ...t.inference.map(
      (i) => `  ${String(i.count).padStart(7)}  ${i.model} version ${i.version}  ${i.outcome}`,
    ),
    "",
    "by kind of request:",
    ...Object.entries(t.byKind)
      .sort()
      .map(([kind, n]) => `  ${String(n).padStart(7)}  ${kind}`),
  ];
  const failed = t.unexpected.filter((s) => s.status === 0);
  if (failed.length > 0) lines.push("", `${failed.length} requests got no answer: ${failed[0]?.error}`);
  const odd = t.unexpected.filter((s) => s.status !== 0);
  if (odd.length > 0) {
    const first = odd[0];
    lines.push(
      "",
      `${odd.length} answers differed from the plan, e.g. ${first?.request.kind} ${first?.request.path}: ${first?.status} (expected ${first?.request.expected.status})`,
    );
  }
  return lines.join("\n");
}
