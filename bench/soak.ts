import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BUNDLED_MODEL_REPOSITORY } from "../ml-api/src/config.js";
import { address, freePorts } from "../stack/ports.js";
import { startStack } from "../stack/stack.js";
import { seeded } from "../traffic/random.js";
import { type PlannedRequest, RequestMix } from "../traffic/request-mix.js";
import { send } from "../traffic/sender.js";
import { formatTally, tally } from "../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../traffic/target.js";
import { median } from "./lib/percentile.js";
import { pidListeningOn, rssBytes } from "./lib/process-memory.js";

/**
 * Memory and cardinality under sustained load: the native stack on free ports with its default intervals
 * (API export 5 s, span metrics flush 15 s, scrape 15 s), the ML API from its build, and the traffic
 * generator's mix at a steady rate (both model versions, both protocols, batches of 1 to 128 rows, about 15 %
 * invalid or unknown). The API's and the collector's resident set size (VmRSS) is sampled every few seconds;
 * after the load, Prometheus is asked how many series each instance keeps, per model.
 *
 * Start and end are medians over the first and last 30 s of samples after the warm-up, so one garbage
 * collection does not decide the growth figure. Goals (issue #8): RSS at most 200 MiB each, growth under
 * 10 %, at most 1,000 series per instance per model.
 *
 *   npm run bench -- soak [--minutes 10] [--rate 50] [--concurrency 16] [--sample-seconds 5]
 */
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "50" },
    concurrency: { type: "string", default: "16" },
    "sample-seconds": { type: "string", default: "5" },
    "warmup-seconds": { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.minutes) * 60;
const RATE = Number(values.rate);
const CONCURRENCY = Number(values.concurrency);
const SAMPLE_MS = Number(values["sample-seconds"]) * 1000;
/** One minute, or a fifth of a shortened run. */
const WARMUP_SECONDS = Number(values["warmup-seconds"] ?? Math.min(60, SECONDS / 5));
/** Samples a start or end figure is the median of. */
const EDGE_MS = 30_000;

const GOAL_RSS_MIB = 200;
const GOAL_GROWTH_PERCENT = 10;
const GOAL_SERIES_PER_MODEL = 1000;
const MIB = 1024 * 1024;

interface Sample {
  /** Seconds since the load started. */
  t: number;
  rss: Record<string, number>;
}

const mib = (bytes: number) => (bytes / MIB).toFixed(1);

async function promQuery(
  base: string,
  query: string,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`${query}: ${body.error ?? res.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

function rssTable(samples: Sample[], components: string[]): string[] {
  const settled = samples.filter((s) => s.t >= WARMUP_SECONDS);
  const first = settled[0]?.t ?? 0;
  const last = settled.at(-1)?.t ?? 0;
  const lines = [
    `| component | start MiB (median of ${WARMUP_SECONDS}-${(first + EDGE_MS / 1000).toFixed(0)} s) | end MiB (median of last ${EDGE_MS / 1000} s) | max MiB | growth | goal <= ${GOAL_RSS_MIB} MiB, < ${GOAL_GROWTH_PERCENT} % |`,
    "|---|---|---|---|---|---|",
  ];
  for (const name of components) {
    const at = (from: number, to: number) =>
      settled.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss[name] as number);
    const start = median(at(first, first + EDGE_MS / 1000));
    const end = median(at(last - EDGE_MS / 1000, last));
    const max = Math.max(...samples.map((s) => s.rss[name] as number));
    const growth = ((end - start) / start) * 100;
    const met = max <= GOAL_RSS_MIB * MIB && growth < GOAL_GROWTH_PERCENT;
    lines.push(
      `| ${name} | ${mib(start)} | ${mib(end)} | ${mib(max)} | ${growth >= 0 ? "+" : ""}${growth.toFixed(1)} % | ${met ? "met" : "NOT met"} |`,
    );
  }
  return lines;
}

const ports = await freePorts();
const runDir = mkdtempSync(join(tmpdir(), "inferwatch-soak-"));
const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);
log(`starting the native stack (logs in ${runDir}/logs)`);
const stack = await startStack(
  { ports, runDir, api: "dist", tuning: {}, retention: "1h", apiEnv: {} },
  { log },
);
const pids = { "ml-api": pidListeningOn(ports.api), otelcol: pidListeningOn(ports.collectorHealth) };
const components = Object.keys(pids) as (keyof typeof pids)[];
const apiUrl = `http://${address(ports.api)}`;
const prometheusUrl = `http://${address(ports.prometheus)}`;
let failed = false;
try {
  const target = await discoverTarget(apiUrl, "penguins", BUNDLED_MODEL_REPOSITORY);
  const mix = new RequestMix(target, heldOutRecords(BUNDLED_MODEL_REPOSITORY, target), seeded(1), {
    missingRate: 0.02,
  });
  const started = performance.now();
  const samples: Sample[] = [];
  const sample = () => {
    const rss: Record<string, number> = {};
    for (const name of components) rss[name] = rssBytes(pids[name]);
    samples.push({ t: (performance.now() - started) / 1000, rss });
  };
  sample();
  let lastReport = 0;
  const sampler = setInterval(() => {
    sample();
    const s = samples.at(-1) as Sample;
    if (s.t - lastReport >= 60) {
      lastReport = s.t;
      log(
        `${(s.t / 60).toFixed(1)} min: ${components.map((c) => `${c} ${mib(s.rss[c] as number)} MiB`).join(", ")}`,
      );
    }
  }, SAMPLE_MS);
  const deadline = started + SECONDS * 1000;
  const requests = (function* (): Generator<PlannedRequest> {
    while (performance.now() < deadline) yield mix.next();
  })();
  log(
    `${SECONDS / 60} min of mixed traffic at ${RATE} req/s (penguins versions ${[...target.profiles.keys()].join(", ")}), RSS every ${SAMPLE_MS / 1000} s, warm-up ${WARMUP_SECONDS} s`,
  );
  const report = await Promise.race([
    send(requests, { baseUrl: apiUrl, rate: RATE, concurrency: CONCURRENCY }),
    stack.crashed,
  ]);
  clearInterval(sampler);
  sample();

  const perModel = await promQuery(prometheusUrl, 'count by (job, instance, model_name) ({model_name!=""})');
  const perInstance = await promQuery(prometheusUrl, 'count by (job, instance) ({instance!=""})');
  const families = await promQuery(prometheusUrl, 'topk(6, count by (__name__) ({model_name!=""}))');

  console.log(`\n## Soak: ${SECONDS / 60} min, native stack with default intervals\n`);
  console.log(formatTally(tally(report.sent), report.seconds));
  console.log(`\nRSS (VmRSS), ${samples.length} samples every ${SAMPLE_MS / 1000} s\n`);
  for (const line of rssTable(samples, components)) console.log(line);
  console.log(`\nActive series per instance and model after the soak (goal <= ${GOAL_SERIES_PER_MODEL})\n`);
  console.log("| job | instance | model_name | series |");
  console.log("|---|---|---|---|");
  const byLabels = (a: { metric: Record<string, string> }, b: { metric: Record<string, string> }) =>
    JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric));
  for (const r of perModel.sort(byLabels)) {
    const m = r.metric;
    console.log(
      `| ${m.job ?? ""} | ${m.instance ?? "(none: recording rules)"} | ${m.model_name} | ${r.value} |`,
    );
  }
  console.log("\nActive series per instance, all metrics\n");
  console.log("| job | instance | series |");
  console.log("|---|---|---|");
  for (const r of perInstance.sort(byLabels)) {
    console.log(`| ${r.metric.job ?? ""} | ${r.metric.instance ?? ""} | ${r.value} |`);
  }
  console.log("\nLargest metric families carrying a model label\n");
  for (const r of families.sort((a, b) => b.value - a.value)) {
    console.log(`  ${String(r.value).padStart(5)}  ${r.metric.__name__}`);
  }
} catch (error) {
  failed = true;
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stack.stop();
  if (values.keep || failed) log(`logs kept in ${runDir}/logs`);
  else rmSync(runDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
