import { cpus, loadavg } from "node:os";
import { MIN_EVENTS_IN_LONG_WINDOW } from "../contract/alerting-config.js";
import { OTEL_DEFAULTS } from "../ml-api/src/telemetry/otel-defaults.js";
import { EXTERNAL, JOBS } from "../prometheus/rules/rule-inputs.js";
import { type ScratchStack, startScratchStack } from "../stack/scratch-stack.js";
import { eventually } from "../test/e2e/eventually.js";
import { PrometheusApi } from "../test/e2e/prometheus-api.js";
import { seeded } from "../traffic/random.js";
import { type AlertReceivers, startAlertReceivers } from "./lib/alert-receivers.js";
import { committedAlert, describeIntervals } from "./lib/committed-intervals.js";
import { markdownTable } from "./lib/markdown-table.js";
import { numberOptions } from "./lib/number-options.js";
import { SteadyTraffic } from "./lib/steady-traffic.js";

/**
 * Alert latency: seconds from a fault to its page arriving by Slack and by email, on the native stack with
 * the committed rules, evaluation interval, scrape interval and Alertmanager timers (what users get), the
 * delivery tests' real SMTP server and Slack stand-in receiving. Each round starts a fresh stack, sends
 * steady inference traffic for --warmup seconds, then causes two faults in turn:
 *
 *   - the model unloaded through the repository API: ModelNotLoaded, and the service availability burn-rate
 *     page (ServiceAvailabilityBudgetBurn) its 503s cause;
 *   - the collector stopped: CollectorDown.
 *
 * Beside delivery, each alert's stages as Prometheus reports them: pending (its `activeAt`, the evaluation
 * that first saw the condition) and firing (first seen by polling every 100 ms, once `for:` has passed).
 *
 * The burn-rate figure depends on history: the 1h window holds only the warm-up's traffic, so its error
 * ratio passes 14.4x the budget as soon as the first failures are in it; after an hour of healthy traffic
 * that takes about 52 s of total failure more (0.0144 of 60 min). `--warmup 3600` measures that case.
 *
 * Before each fault the run pauses a seeded random 0 to --jitter seconds: otherwise the second fault would
 * follow the first's notification, which Alertmanager sends a fixed group_wait after a rule evaluation, and
 * every round would meet the evaluation at the same phase.
 *
 *   npm run bench -- alert-latency [--rounds 2] [--warmup 120] [--rate 4] [--timeout 300] [--jitter 15]
 *     [--seed 1]
 */
const options = numberOptions({ rounds: 2, warmup: 120, rate: 4, timeout: 300, jitter: 15, seed: 1 });
const ROUNDS = options.rounds;
const WARMUP_MS = options.warmup * 1000;
const RATE = options.rate;
const TIMEOUT_MS = options.timeout * 1000;
const JITTER_MS = options.jitter * 1000;
const SEED = options.seed;
const random = seeded(SEED);
const GOAL_S = 150;
const POLL_MS = 100;

const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;
const MODEL = "penguins";

/** An alert a fault should page, by name and the labels that pick it out in Prometheus. */
interface Expected {
  alert: string;
  labels: Record<string, string>;
}
const PAGE = { severity: "critical" };
const MODEL_NOT_LOADED: Expected = { alert: "ModelNotLoaded", labels: { ...PAGE, model_name: MODEL } };
const SERVICE_BURN: Expected = { alert: "ServiceAvailabilityBudgetBurn", labels: { ...PAGE, job: SERVICE } };
const COLLECTOR_DOWN: Expected = { alert: "CollectorDown", labels: { ...PAGE, job: JOBS.collector } };

interface Timing {
  round: number;
  fault: string;
  alert: string;
  pending?: number;
  firing?: number;
  slack?: number;
  email?: number;
}

interface PromAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

async function prometheusAlerts(baseUrl: string): Promise<PromAlert[]> {
  const res = await fetch(new URL("/api/v1/alerts", baseUrl), { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { data: { alerts: PromAlert[] } }).data.alerts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Causes a fault at `fault` (already done by the caller) and polls, every POLL_MS, Prometheus's alerts and
 * what the receivers got, until each expected alert has reached Slack and email or the deadline passes.
 */
async function timeFault(
  round: number,
  fault: string,
  at: number,
  expected: Expected[],
  prometheusUrl: string,
  receivers: AlertReceivers,
): Promise<Timing[]> {
  const timings = expected.map((e) => ({ round, fault, alert: e.alert }) as Timing);
  const deadline = at + TIMEOUT_MS;
  const done = () => timings.every((t) => t.slack !== undefined && t.email !== undefined);
  while (!done() && Date.now() < deadline) {
    const now = Date.now();
    let alerts: PromAlert[] = [];
    try {
      alerts = await prometheusAlerts(prometheusUrl);
    } catch (error) {
      process.stderr.write(`alerts API: ${(error as Error).message}\n`);
    }
    expected.forEach((e, i) => {
      const t = timings[i] as Timing;
      const mine = alerts.find(
        (a) =>
          a.labels.alertname === e.alert && Object.entries(e.labels).every(([k, v]) => a.labels[k] === v),
      );
      const activeAt = mine ? Date.parse(mine.activeAt) : undefined;
      if (t.pending === undefined && activeAt !== undefined && activeAt >= at) t.pending = activeAt - at;
      if (t.firing === undefined && mine?.state === "firing" && activeAt !== undefined && activeAt >= at)
        t.firing = now - at;
      const slack = receivers.slack("[FIRING", e.alert, at);
      const mail = receivers.email("FIRING", e.alert, at);
      if (t.slack === undefined && slack) t.slack = slack.at - at;
      if (t.email === undefined && mail) t.email = mail.at - at;
    });
    await sleep(Math.max(0, POLL_MS - (Date.now() - now)));
  }
  return timings;
}

async function repository(e2e: ScratchStack, action: "load" | "unload"): Promise<void> {
  const res = await fetch(`${e2e.url("api")}/v2/repository/models/${MODEL}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: e2e.stack.controlAuthorization },
    body: "{}",
  });
  if (res.status !== 200) throw new Error(`${action} ${MODEL}: ${res.status} ${await res.text()}`);
}

/** Firing alerts other than the Watchdog: a fault's figures mean little if something already pages. */
async function alreadyFiring(prometheusUrl: string): Promise<string[]> {
  return (await prometheusAlerts(prometheusUrl))
    .filter((a) => a.state === "firing" && a.labels.alertname !== "Watchdog")
    .map((a) => a.labels.alertname as string);
}

async function round(n: number): Promise<{ timings: Timing[]; notes: string[] }> {
  const receivers = await startAlertReceivers();
  const e2e = await startScratchStack("bench", { alertmanager: receivers.alertmanager });
  const prometheusUrl = e2e.url("prometheus");
  const prom = new PrometheusApi(prometheusUrl);
  const traffic = new SteadyTraffic(e2e.url("api"), MODEL, RATE);
  const notes: string[] = [];
  const timings: Timing[] = [];
  let failed = true;
  try {
    const warmupStart = Date.now();
    // The burn-rate page needs this many requests in its long window before it may fire at all.
    await eventually(
      `${MIN_EVENTS_IN_LONG_WINDOW} requests in Prometheus`,
      async () => {
        const [count] = await prom.query(`sum(histogram_count(${EXTERNAL.httpDuration}{job="${SERVICE}"}))`);
        return (count?.value ?? 0) >= MIN_EVENTS_IN_LONG_WINDOW ? true : undefined;
      },
      { timeoutMs: WARMUP_MS + 120_000, intervalMs: 1000 },
    );
    // Pacing: the rest of the warm-up is healthy history for the burn-rate windows.
    await sleep(Math.max(0, WARMUP_MS - (Date.now() - warmupStart)));
    const before = await alreadyFiring(prometheusUrl);
    if (before.length > 0) notes.push(`round ${n}: firing before the faults: ${before.join(", ")}`);

    await sleep(random() * JITTER_MS);
    process.stderr.write(`round ${n}: unloading ${MODEL}\n`);
    const unloaded = Date.now();
    await repository(e2e, "unload");
    timings.push(
      ...(await timeFault(
        n,
        "model unloaded",
        unloaded,
        [MODEL_NOT_LOADED, SERVICE_BURN],
        prometheusUrl,
        receivers,
      )),
    );
    await repository(e2e, "load");

    const collector = e2e.stack.processes.find((p) => p.name === "otelcol" && !p.exitStatus);
    if (!collector) throw new Error("no running collector");
    await sleep(random() * JITTER_MS);
    process.stderr.write(`round ${n}: stopping the collector\n`);
    const stopped = Date.now();
    await collector.stop();
    timings.push(
      ...(await timeFault(n, "collector stopped", stopped, [COLLECTOR_DOWN], prometheusUrl, receivers)),
    );
    notes.push(
      `round ${n}: traffic answers by status ${JSON.stringify(Object.fromEntries(traffic.statuses))}`,
    );
    failed = timings.some((t) => t.slack === undefined || t.email === undefined);
  } finally {
    await traffic.stop();
    await e2e.stop(failed);
    await receivers.stop();
  }
  return { timings, notes };
}

const benchStart = Date.now();
const all: Timing[] = [];
const notes: string[] = [];
for (let n = 1; n <= ROUNDS; n++) {
  const result = await round(n);
  all.push(...result.timings);
  notes.push(...result.notes);
}

const s = (ms: number | undefined) => (ms === undefined ? "not within timeout" : (ms / 1000).toFixed(1));
const meets = (t: Timing) =>
  t.slack !== undefined && t.email !== undefined && Math.max(t.slack, t.email) <= GOAL_S * 1000
    ? "yes"
    : "no";
const forOf = (alert: string) => committedAlert(alert, PAGE.severity).for ?? "0s";

console.log(
  `\nAlert latency: seconds from the fault to each stage; ${ROUNDS} round(s), each a fresh stack after ` +
    `${WARMUP_MS / 1000} s of ${RATE} req/s, ${s(Date.now() - benchStart)} s in all`,
);
console.log(`Intervals: ${describeIntervals()} (all committed)`);
console.log(
  `Machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} at the end\n`,
);
console.log(
  markdownTable(
    ["round", "fault", "alert (for:)", "pending s", "firing s", "Slack s", "email s", `<= ${GOAL_S} s`],
    all.map((t) => [
      t.round,
      t.fault,
      `${t.alert} (${forOf(t.alert)})`,
      s(t.pending),
      s(t.firing),
      s(t.slack),
      s(t.email),
      meets(t),
    ]),
  ),
);
if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
console.log(
  `\nReproduce: npm run bench -- alert-latency --rounds ${ROUNDS} --warmup ${WARMUP_MS / 1000} ` +
    `--rate ${RATE} --timeout ${TIMEOUT_MS / 1000} --jitter ${JITTER_MS / 1000} --seed ${SEED}`,
);
// A missed goal is a finding; an alert that never arrived is a failed measurement.
if (all.some((t) => t.slack === undefined || t.email === undefined)) process.exitCode = 1;
