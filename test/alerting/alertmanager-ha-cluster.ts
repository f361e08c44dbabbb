import type { Supervised } from "../../stack/supervisor.js";

/**
 * What the Alertmanager cluster tests ask the running nodes and Prometheus: each node's view of the cluster
 * (its status API and its own metrics), the alerts it holds, and instant PromQL queries.
 */

export interface ClusterStatus {
  status: string;
  peers: { name: string; address: string }[];
}

/** A node's `/api/v2/status` cluster part: "settling" until its gossip settles, then "ready". */
export async function clusterStatus(baseUrl: string): Promise<ClusterStatus> {
  const res = await fetch(`${baseUrl}/api/v2/status`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${baseUrl}/api/v2/status: HTTP ${res.status}`);
  const body = (await res.json()) as { cluster: ClusterStatus };
  return body.cluster;
}

/** The value of an unlabelled gauge on a node's own `/metrics`, e.g. alertmanager_peer_position. */
export async function ownMetric(baseUrl: string, name: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${baseUrl}/metrics has no ${name}`);
  return Number(line.slice(name.length + 1));
}

/** The sum of every series of counter `name` on a node whose labels include `labels`. */
export async function ownCounter(
  baseUrl: string,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return (await res.text())
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

/** Alerts named `alertname` a node holds, with their labels. */
export async function alertsHeld(
  baseUrl: string,
  alertname: string,
): Promise<{ labels: Record<string, string> }[]> {
  const url = new URL("/api/v2/alerts", baseUrl);
  url.searchParams.append("filter", `alertname="${alertname}"`);
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as { labels: Record<string, string> }[];
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query's vector. */
export async function promQuery(prometheusUrl: string, expr: string): Promise<Sample[]> {
  const url = new URL("/api/v1/query", prometheusUrl);
  url.searchParams.set("query", expr);
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

/** The Alertmanagers Prometheus sends alerts to, by URL. */
export async function prometheusAlertmanagers(prometheusUrl: string): Promise<string[]> {
  const res = await fetch(new URL("/api/v1/alertmanagers", prometheusUrl));
  const body = (await res.json()) as { data: { activeAlertmanagers: { url: string }[] } };
  return body.data.activeAlertmanagers.map((a) => a.url);
}

/**
 * Kills a node the way a crashed host would: SIGKILL to its process group, so it leaves no goodbye on the
 * gossip and its peer must notice by failed probes.
 */
export async function killHard(node: Supervised): Promise<void> {
  if (node.pid === undefined) throw new Error(`${node.name} has no process id`);
  process.kill(-node.pid, "SIGKILL");
  await node.exited;
}
