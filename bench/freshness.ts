import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { HTTP, SPAN_METRICS } from "../contract/external-metrics.js";
import { HTTP_ROUTES } from "../contract/http-routes.js";
import { PROM } from "../contract/prometheus-names.js";
import { OTEL_DEFAULTS } from "../ml-api/src/telemetry/otel-defaults.js";
import type { Tuning } from "../stack/components.js";
import { startScratchStack } from "../stack/scratch-stack.js";
import { PrometheusApi } from "../test/e2e/prometheus-api.js";
import { ADELIE_V1, v2Body, withoutSex } from "../test/support/penguins.js";
import { seeded } from "../traffic/random.js";
import { describeIntervals } from "./lib/committed-intervals.js";
import { markdownTable } from "./lib/markdown-table.js";
import { percentile } from "./lib/percentile.js";

/**
 * Freshness: seconds from a request being answered to its count being visible in PromQL, on the native stack
 * with the committed intervals (what users get), for three paths a request takes: the API's HTTP server
 * histogram, the API's model inference histogram (both exported by the SDK), and the collector's span
 * metrics (built from the request's spans). The collector pushes each batch to Prometheus's OTLP receiver,
 * so no scrape stands between the collector and PromQL.
 *
 * Probes are single inference requests, sent one at a time at seeded random gaps (uneven against every
 * interval). This process is the only client, so after probe k every counter must read exactly k: the
 * first poll (every --poll-ms) reading at least k dates probe k, and a reading above what was sent fails.
 *
 * To try a candidate default, the intervals can be replaced for the run (StackSettings.tuning; unset: the
 * committed one): --export-ms (the API's OTEL_METRIC_EXPORT_INTERVAL), --span-delay-ms (its
 * OTEL_BSP_SCHEDULE_DELAY), --batch and --span-flush (the collector's), --scrape (Prometheus's scrapes of
 * the components' own metrics, and its rule evaluation).
 *
 *   npm run bench -- freshness [--samples 60] [--min-gap 2] [--max-gap 13] [--seed 1] [--poll-ms 100]
 *     [--timeout 120] [--export-ms MS] [--span-delay-ms MS] [--batch DURATION] [--span-flush DURATION]
 *     [--scrape DURATION]
 */
const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "60" },
    "min-gap": { type: "string", default: "2" },
    "max-gap": { type: "string", default: "13" },
    seed: { type: "string", default: "1" },
    "poll-ms": { type: "string", default: "100" },
    timeout: { type: "string", default: "120" },
    "export-ms": { type: "string" },
    "span-delay-ms": { type: "string" },
    batch: { type: "string" },
    "span-flush": { type: "string" },
    scrape: { type: "string" },
  },
});
const SAMPLES = Number(values.samples);
const MIN_GAP_MS = Number(values["min-gap"]) * 1000;
const MAX_GAP_MS = Number(values["max-gap"]) * 1000;
const SEED = Number(values.seed);
const POLL_MS = Number(values["poll-ms"]);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const GOAL_P95_S = 5;
const optionalNumber = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const TUNING: Tuning = Object.fromEntries(
  Object.entries({
    metricExportIntervalMs: optionalNumber(values["export-ms"]),
    spanExportDelayMs: optionalNumber(values["span-delay-ms"]),
    batchTimeout: values.batch,
    spanMetricsFlushInterval: values["span-flush"],
    scrapeInterval: values.scrape,
  }).filter(([, v]) => v !== undefined),
);
/** The options that replaced a committed interval, as given, for the command that reproduces the run. */
const TRIED = ["export-ms", "span-delay-ms", "batch", "span-flush", "scrape"] as const;

const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;
const MODEL = "penguins";
const BODY = JSON.stringify(v2Body([withoutSex(ADELIE_V1)]));

/**
 * A counter that one probe raises by exactly one, by metric name and the labels that pick its series;
 * `histogram`: the metric is a native histogram, whose count is read.
 */
interface Path {
  name: string;
  metric: string;
  histogram?: boolean;
  labels: Record<string, string>;
}
const PATHS: Path[] = [
  {
    name: "HTTP server duration count",
    metric: HTTP.duration,
    histogram: true,
    labels: { job: SERVICE, http_route: HTTP_ROUTES.v2Infer.template },
  },
  {
    name: "model inference count",
    metric: PROM.inferenceDuration,
    histogram: true,
    labels: { job: SERVICE, model_name: MODEL },
  },
  {
    name: "span metrics calls",
    metric: SPAN_METRICS.calls,
    labels: {
      service_name: SERVICE,
      span_kind: "SPAN_KIND_SERVER",
      http_route: HTTP_ROUTES.v2Infer.template,
    },
  },
];
const promql = (p: Path) => {
  const selector = `${p.metric}{${Object.entries(p.labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ")}}`;
  return `sum(${p.histogram ? `histogram_count(${selector})` : selector})`;
};

interface Probe {
  answeredAt: number;
  /** When each path first showed this probe in PromQL, by path name. */
  seen: Map<string, number>;
}

const e2e = await startScratchStack("bench", { tuning: TUNING });
const prom = new PrometheusApi(e2e.url("prometheus"));
const probes: Probe[] = [];
/** Probes sent, answered or not: no counter may read more. */
let sent = 0;
const problems = new Set<string>();

/** One poll of every path: dates every probe a counter now covers. */
async function poll(): Promise<void> {
  const at = Date.now();
  const counts = await Promise.all(PATHS.map(async (p) => (await prom.query(promql(p)))[0]?.value ?? 0));
  PATHS.forEach((path, i) => {
    const count = counts[i] ?? 0;
    if (count > sent) problems.add(`${path.name} read ${count} after ${sent} probes`);
    for (const probe of probes.slice(0, count)) {
      if (!probe.seen.has(path.name)) probe.seen.set(path.name, at);
    }
  });
}

async function sendProbe(): Promise<void> {
  sent++;
  const res = await fetch(`${e2e.url("api")}/v2/models/${MODEL}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: BODY,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`probe answered ${res.status}`);
  probes.push({ answeredAt: Date.now(), seen: new Map() });
}

const complete = (p: Probe) => p.seen.size === PATHS.length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let polling = true;
const poller = (async () => {
  while (polling) {
    const started = Date.now();
    try {
      await poll();
    } catch (error) {
      process.stderr.write(`poll failed: ${(error as Error).message}\n`);
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - started)));
  }
})();

/** Polls `done` until it holds or TIMEOUT_MS passes; says which. */
async function waitUntil(done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!done() && Date.now() < deadline) await sleep(POLL_MS);
  return done();
}

const random = seeded(SEED);
const benchStart = Date.now();
try {
  // The first request after start can be far slower on the span path (about two flush intervals with the
  // committed 15 s): it is timed apart, as a warm-up, so the table describes a running stack.
  await sendProbe();
  const warm = await waitUntil(() => complete(probes[0] as Probe));
  if (!warm) throw new Error(`the warm-up request was not visible everywhere within ${TIMEOUT_MS} ms`);
  for (let k = 1; k <= SAMPLES; k++) {
    // Pacing the probes, not synchronising: the gap is what spreads them over every interval's phase.
    await sleep(MIN_GAP_MS + random() * (MAX_GAP_MS - MIN_GAP_MS));
    await sendProbe();
    if (k % 10 === 0) process.stderr.write(`${k}/${SAMPLES} probes sent\n`);
  }
  await waitUntil(() => probes.every(complete));
} finally {
  polling = false;
  await poller;
  await e2e.stop(problems.size > 0);
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const [warmUp, ...measured] = probes;
const delayOf = (p: Probe | undefined, path: Path) => {
  const at = p?.seen.get(path.name);
  return p === undefined || at === undefined ? undefined : at - p.answeredAt;
};
const rows = PATHS.map((path) => {
  const each = measured.map((p) => delayOf(p, path));
  const delays = each.filter((d) => d !== undefined);
  const worst = each.indexOf(Math.max(...delays));
  const p95 = percentile(delays, 0.95);
  const first = delayOf(warmUp, path);
  const warm = first === undefined ? "-" : seconds(first);
  if (delays.length === 0) return [path.name, warm, `0/${measured.length}`, "-", "-", "-", "-", "no"];
  return [
    path.name,
    warm,
    `${delays.length}/${measured.length}`,
    seconds(Math.min(...delays)),
    seconds(percentile(delays, 0.5)),
    seconds(p95),
    `${seconds(Math.max(...delays))} (#${worst + 1})`,
    p95 <= GOAL_P95_S * 1000 ? "yes" : "no",
  ];
});

console.log(
  `\nFreshness: seconds from a request answered to its count visible in PromQL; ${measured.length} probes after a warm-up one, over ` +
    `${seconds(Date.now() - benchStart)} s, gaps ${MIN_GAP_MS / 1000}-${MAX_GAP_MS / 1000} s (seed ${SEED}), ` +
    `polled every ${POLL_MS} ms`,
);
console.log(`Intervals: ${describeIntervals(TUNING)}`);
console.log(
  `Machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} at the end\n`,
);
console.log(
  markdownTable(
    [
      "metric path",
      "warm-up s",
      "samples",
      "min s",
      "p50 s",
      "p95 s",
      "max s (probe)",
      `p95 <= ${GOAL_P95_S} s`,
    ],
    rows,
  ),
);
console.log(
  `\nReproduce: npm run bench -- freshness --samples ${SAMPLES} --min-gap ${MIN_GAP_MS / 1000} ` +
    `--max-gap ${MAX_GAP_MS / 1000} --seed ${SEED} --poll-ms ${POLL_MS}` +
    TRIED.filter((o) => values[o] !== undefined)
      .map((o) => ` --${o} ${values[o]}`)
      .join(""),
);
if (problems.size > 0) {
  console.log(`\nCounts above the probes sent (another client?):\n${[...problems].join("\n")}`);
  process.exitCode = 1;
}
