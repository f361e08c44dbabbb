import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type ApiProcess, poll, spawnListening } from "../test/support/api-process.js";
import { REGISTER_SDK, SDK_VARIANTS, type SdkVariant } from "./sdk-variants.js";
import { singleRowLoad } from "./single-row-load.js";

/**
 * Machine instructions per single-row request, counted by valgrind's callgrind, for the API without the SDK
 * and with it in several configurations. Instruction counts do not move with other load on this shared
 * machine, so they compare across runs and commits where req/s and CPU time need alternation in one run.
 * Counters are dumped after a warm-up and again after the measured requests; the difference is theirs.
 * Periodic work (metric export, span batches by timer) is set to hours so it is not charged to a few
 * thousand slow requests: at real rates it is a small share, and `bench/telemetry-cost.ts` includes it.
 *
 *   apt-get install valgrind && npm run build && npx tsx bench/instructions.ts [--requests 2000]
 */
const { values } = parseArgs({ options: { requests: { type: "string", default: "2000" } } });
const REQUESTS = Number(values.requests);
const HOURS = String(3_600_000);
const API_HOST = "127.0.0.1";

const VARIANTS: SdkVariant[] = [
  ...SDK_VARIANTS,
  {
    name: "SDK, no HTTP instrumentation",
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: "pino,runtime-node,host-metrics" },
    sdk: true,
  },
];

/** Instructions of every thread since the last dump: asks for a dump and waits until it is written. */
async function dumpInstructions(api: ApiProcess, dir: string): Promise<number> {
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  // valgrind names its control pipe after $USER and $HOST, and the API runs with HOST set to its address.
  execFileSync("callgrind_control", ["--dump", String(api.child.pid)], {
    env: { ...process.env, HOST: API_HOST },
    stdio: "ignore",
  });
  const total = await poll(
    "callgrind's dump",
    () => {
      const totals = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8").match(/^totals: (\d+)/m));
      return totals.length > 0 && totals.every(Boolean)
        ? totals.reduce((sum, m) => sum + Number(m?.[1]), 0)
        : undefined;
    },
    60_000,
  );
  return total;
}

async function measure(api: ApiProcess, dir: string): Promise<number> {
  const run = (amount: number) => singleRowLoad(api.port, amount, 120);
  await run(1000);
  await dumpInstructions(api, dir);
  const result = await run(REQUESTS);
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} failed requests`);
  return (await dumpInstructions(api, dir)) / REQUESTS;
}

const sink = await spawnListening("bench/otlp-sink.ts");
const rows: [string, number][] = [];
try {
  for (const v of VARIANTS) {
    const dir = mkdtempSync(join(tmpdir(), "inferwatch-callgrind-"));
    const api = await spawnListening(
      "ml-api/dist/main.js",
      {
        LOG_LEVEL: "info",
        HOST: API_HOST,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
        OTEL_METRIC_EXPORT_INTERVAL: HOURS,
        OTEL_BSP_SCHEDULE_DELAY: HOURS,
        ...v.env,
      },
      v.sdk ? REGISTER_SDK : [],
      {
        wrapper: [
          "valgrind",
          "--tool=callgrind",
          "--smc-check=all-non-file",
          `--callgrind-out-file=${dir}/out`,
        ],
        startTimeoutMs: 600_000,
      },
    );
    try {
      const perRequest = await measure(api, dir);
      rows.push([v.name, perRequest]);
      console.error(`${v.name}: ${Math.round(perRequest)} instructions/request`);
    } finally {
      api.child.kill("SIGTERM");
      await api.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  sink.child.kill("SIGTERM");
  await sink.exited;
}
const base = rows[0]?.[1] ?? Number.NaN;
console.log(`\n${REQUESTS} single-row requests, 16 connections, under callgrind; Node ${process.version}\n`);
console.log("| variant | instructions/request | over no SDK | ratio no SDK / variant |");
console.log("|---|---|---|---|");
for (const [name, n] of rows) {
  console.log(
    `| ${name} | ${(n / 1e6).toFixed(2)} M | +${((n - base) / 1e6).toFixed(2)} M | ${(base / n).toFixed(3)} |`,
  );
}
