import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { OTEL_DEFAULTS } from "../ml-api/src/telemetry/otel-defaults.js";
import { API_DIST } from "../stack/layout.js";
import { type ApiProcess, poll, spawnListening } from "../test/support/api-process.js";
import { benchModel } from "./lib/bench-model.js";
import { markdownTable } from "./lib/markdown-table.js";
import { median } from "./lib/percentile.js";
import { NO_SDK, REGISTER_SDK, SDK_VARIANTS, type SdkVariant, STOCK } from "./lib/sdk-variants.js";
import { singleRowLoad } from "./lib/single-row-load.js";

/**
 * Machine instructions per single-row request, counted by valgrind's callgrind, for the API without the SDK
 * and with it in several configurations. Instruction counts do not move with other load on this shared
 * machine, so they compare across runs and commits where req/s and CPU time need alternation in one run.
 * Counters are dumped after a warm-up and again after the measured requests; the difference is theirs.
 * The warm-up is long because V8 keeps optimising for thousands of requests: after 1,000 a third of all
 * instructions were still the optimising compiler's, which put the SDK's cost at twice its steady state.
 * It runs with callgrind's instrumentation off, several times faster, which is switched on before the
 * measured requests.
 * The event loop's thread is reported apart from all threads: it is the one that serves requests, while the
 * compiler and the garbage collector's helpers run beside it on other cores.
 * Periodic work (metric export, span batches by timer) is set to hours so it is not charged to a few
 * thousand slow requests: at real rates it is a small share, and `bench/telemetry-cost.ts` includes it.
 *
 *   apt-get install valgrind && npm run bench -- instructions [--requests 2000]
 *     [--warmup 8000] [--parallel 2] [--repeat 1] [--only <name>]... [--keep <dir>] [--model penguins|body-mass]
 *
 * `--only` measures the variants whose names contain one of the given strings (no SDK always, as the
 * base); `--keep` leaves each variant's callgrind files of the measured requests in `<dir>/<variant>/`,
 * for `callgrind_annotate` to split a variant's instructions by function. `--model body-mass` serves the
 * exported 100-tree ensemble (`lib/bench-model.ts`) instead of the bundled MLP. On Node 24 two processes of
 * one build differ by up to a tenth of a million instructions (whether rarely run code, such as the span
 * export, is optimised yet when the count starts), so `--repeat <n>` measures each variant in n processes
 * and reports the median, with the range.
 */
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "8000" },
    parallel: { type: "string", default: "2" },
    repeat: { type: "string", default: "1" },
    only: { type: "string", multiple: true },
    keep: { type: "string" },
    model: { type: "string" },
  },
});
const model = await benchModel(values.model);
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);
const PARALLEL = Number(values.parallel);
const REPEAT = Number(values.repeat);
const HOURS = String(3_600_000);
const API_HOST = "127.0.0.1";

/** The API's default instrumentations without the HTTP one. */
const WITHOUT_HTTP = {
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: OTEL_DEFAULTS.OTEL_NODE_ENABLED_INSTRUMENTATIONS.value
    .split(",")
    .filter((name) => name !== "http")
    .join(","),
};

const ALL_VARIANTS: SdkVariant[] = [
  ...SDK_VARIANTS,
  STOCK,
  {
    name: "SDK, no HTTP instrumentation",
    env: WITHOUT_HTTP,
    nodeArgs: REGISTER_SDK,
  },
  // Against the row above: what exporting one span per request (the inference span) costs.
  {
    name: "SDK, no HTTP instrumentation, traces not exported",
    env: { ...WITHOUT_HTTP, OTEL_TRACES_EXPORTER: "none" },
    nodeArgs: REGISTER_SDK,
  },
];

const VARIANTS = ALL_VARIANTS.filter(
  (v) => v === NO_SDK || !values.only || values.only.some((part) => v.name.includes(part)),
);

interface Instructions {
  /** The event loop's thread. */
  main: number;
  all: number;
}

/** Sends callgrind in the API's process a command. */
function callgrindControl(api: ApiProcess, command: string): void {
  // valgrind names its control pipe after $USER and $HOST, and the API runs with HOST set to its address.
  execFileSync("callgrind_control", [command, String(api.child.pid)], {
    env: { ...process.env, HOST: API_HOST },
    stdio: "ignore",
  });
}

/**
 * Instructions since the last dump, per thread: asks for a dump and waits until it is written. With
 * `--separate-threads` callgrind writes one file per thread, the main thread's ending in -01.
 */
async function dumpInstructions(api: ApiProcess, dir: string): Promise<Instructions> {
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  callgrindControl(api, "--dump");
  return poll(
    "callgrind's dump",
    () => {
      const files = readdirSync(dir);
      const totals = files.map((f) => readFileSync(join(dir, f), "utf8").match(/^totals: (\d+)/m));
      if (files.length === 0 || !totals.every(Boolean)) return undefined;
      const count = (i: number) => Number(totals[i]?.[1]);
      return {
        main: count(files.findIndex((f) => f.endsWith("-01"))),
        all: files.reduce((sum, _, i) => sum + count(i), 0),
      };
    },
    60_000,
  );
}

async function measure(api: ApiProcess, dir: string): Promise<Instructions> {
  const run = (amount: number) => singleRowLoad(api.port, amount, 120, model);
  await run(WARMUP);
  callgrindControl(api, "--instr=on");
  await dumpInstructions(api, dir);
  const result = await run(REQUESTS);
  // Under callgrind a connection now and then fails (reset, not answered) before its request reaches the
  // API; a request answered with anything but 2xx would have taken another path, so that fails the run.
  const answered = result["2xx"];
  if (result.non2xx > 0 || answered < REQUESTS * 0.99)
    throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} connection errors`);
  if (result.errors > 0) console.error(`${result.errors} connection errors; counting ${answered} answers`);
  const { main, all } = await dumpInstructions(api, dir);
  return { main: main / answered, all: all / answered };
}

async function measureVariant(v: SdkVariant, sinkPort: number, run: number): Promise<Instructions> {
  const dir = mkdtempSync(join(tmpdir(), "inferwatch-callgrind-"));
  const api = await spawnListening(
    API_DIST.main,
    {
      LOG_LEVEL: "info",
      HOST: API_HOST,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      ...model.env,
      OTEL_METRIC_EXPORT_INTERVAL: HOURS,
      OTEL_BSP_SCHEDULE_DELAY: HOURS,
      // Under callgrind a request takes a hundred times as long, so every one would pass the production
      // profile's slow threshold and keep its trace; at full speed next to none does.
      TRACE_SLOW_SECONDS: String(3600),
      ...v.env,
    },
    [...v.nodeArgs],
    {
      wrapper: [
        "valgrind",
        "--tool=callgrind",
        "--smc-check=all-non-file",
        "--separate-threads=yes",
        "--instr-atstart=no",
        `--callgrind-out-file=${dir}/out`,
      ],
      startTimeoutMs: 600_000,
    },
  );
  try {
    const perRequest = await measure(api, dir);
    const kept = `${v.name.replace(/\W+/g, "-")}${REPEAT > 1 ? `-${run + 1}` : ""}`;
    if (values.keep) cpSync(dir, join(values.keep, kept), { recursive: true });
    console.error(`${v.name}: ${Math.round(perRequest.main)} main thread, ${Math.round(perRequest.all)} all`);
    return perRequest;
  } finally {
    api.child.kill("SIGTERM");
    await api.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const sink = await spawnListening("bench/lib/otlp-sink.ts");
/** Per variant, one result per process; the runs of one variant are spread over the whole bench. */
const results: Instructions[][] = VARIANTS.map(() => []);
const jobs = Array.from({ length: REPEAT }, (_, run) =>
  VARIANTS.map((_, variant) => ({ variant, run })),
).flat();
try {
  // Instruction counts do not depend on what else runs, so variants share the cores.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const { variant, run } = jobs[i] as { variant: number; run: number };
      results[variant]?.push(await measureVariant(VARIANTS[variant] as SdkVariant, sink.port, run));
    }
  };
  // Settled, not all: a failed variant must not leave the other worker's API running under valgrind.
  const settled = await Promise.allSettled(Array.from({ length: PARALLEL }, worker));
  for (const s of settled) if (s.status === "rejected") throw s.reason;
} finally {
  sink.child.kill("SIGTERM");
  await sink.exited;
  model.remove();
}
const middle = (runs: Instructions[], key: keyof Instructions) => median(runs.map((r) => r[key]));
const base = { main: middle(results[0] ?? [], "main"), all: middle(results[0] ?? [], "all") };
const millions = (n: number) => `${(n / 1e6).toFixed(3)} M`;
const range = (runs: Instructions[]) => {
  const main = runs.map((r) => r.main);
  return REPEAT > 1
    ? ` (${(Math.min(...main) / 1e6).toFixed(3)}–${(Math.max(...main) / 1e6).toFixed(3)})`
    : "";
};
console.log(
  `\n${REQUESTS} single-row requests to ${model.name} after ${WARMUP} to warm up, 16 connections, under callgrind; ${REPEAT > 1 ? `medians of ${REPEAT} processes per variant, range in brackets; ` : ""}Node ${process.version}\n`,
);
console.log(
  markdownTable(
    ["variant", "main thread", "over no SDK", "ratio no SDK / variant", "all threads", "ratio, all threads"],
    VARIANTS.map((v, i) => {
      const runs = results[i] ?? [];
      const main = middle(runs, "main");
      const all = middle(runs, "all");
      return [
        v.name,
        `${millions(main)}${range(runs)}`,
        `+${millions(main - base.main)}`,
        (base.main / main).toFixed(3),
        millions(all),
        (base.all / all).toFixed(3),
      ];
    }),
  ),
);
