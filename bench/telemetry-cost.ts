import { API_DIST } from "../stack/layout.js";
import { type ApiProcess, spawnListening } from "../test/support/api-process.js";
import { markdownTable } from "./lib/markdown-table.js";
import { numberOptions } from "./lib/number-options.js";
import { percentile } from "./lib/percentile.js";
import { cpuMicros } from "./lib/process-cpu.js";
import {
  INFERWATCH_DEFAULTS,
  INFERWATCH_PRODUCTION,
  NO_SDK,
  type SdkVariant,
  STOCK,
} from "./lib/sdk-variants.js";
import { loneRequestLatencies, singleRowLoad } from "./lib/single-row-load.js";

/**
 * What inferwatch's telemetry costs the API, against what a user would otherwise start with: server CPU
 * per single-row request without an SDK, with inferwatch's defaults (every trace), with its production
 * profile, and with OpenTelemetry's stock zero-code setup in the same compiled API. Each variant runs in
 * its own process, alternated over rounds so machine noise hits all alike; exports go to a local OTLP
 * sink, which counts them, so each variant is seen to export many times within its run. After the
 * saturated run, `--lone` requests on one connection give the p99 a request pays that waits behind none.
 *
 *   npm run bench -- telemetry-cost [--rounds 3] [--requests 40000] [--lone 3000]
 */
const {
  rounds: ROUNDS,
  requests: REQUESTS,
  lone: LONE,
} = numberOptions({ rounds: 3, requests: 40000, lone: 3000 });

const VARIANTS: SdkVariant[] = [NO_SDK, INFERWATCH_DEFAULTS, INFERWATCH_PRODUCTION, STOCK];
const SIGNALS = ["traces", "metrics", "logs"] as const;

interface Sample {
  cpuMicros: number;
  p99: number;
  exports: Record<(typeof SIGNALS)[number], number>;
}

async function measure(api: ApiProcess, sink: ApiProcess): Promise<Sample> {
  await singleRowLoad(api.port, 2000);
  const exportsBefore = sink.logs.length;
  const before = cpuMicros(api.child.pid as number);
  const result = await singleRowLoad(api.port, REQUESTS);
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} failed requests`);
  const micros = (cpuMicros(api.child.pid as number) - before) / REQUESTS;
  const paths = sink.logs.slice(exportsBefore).map((l) => l.path);
  const exports = Object.fromEntries(SIGNALS.map((s) => [s, paths.filter((p) => p === `/v1/${s}`).length]));
  const latencies = await loneRequestLatencies(api.port, LONE);
  return { cpuMicros: micros, p99: percentile(latencies, 0.99), exports: exports as Sample["exports"] };
}

const sink = await spawnListening("bench/lib/otlp-sink.ts");
const samples = new Map<string, Sample[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
      const api = await spawnListening(
        API_DIST.main,
        { LOG_LEVEL: "info", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`, ...v.env },
        [...v.nodeArgs],
        // Starting the SDK and loading its instrumentations takes seconds on a busy machine.
        { startTimeoutMs: 60_000 },
      );
      try {
        const sample = await measure(api, sink);
        samples.set(v.name, [...(samples.get(v.name) ?? []), sample]);
        console.error(
          `round ${round} ${v.name}: ${sample.cpuMicros.toFixed(0)} µs CPU/request, lone p99 ${sample.p99.toFixed(2)} ms, exports ${JSON.stringify(sample.exports)}`,
        );
      } finally {
        api.child.kill("SIGTERM");
        await api.exited;
      }
    }
  }
} finally {
  sink.child.kill("SIGTERM");
  await sink.exited;
}

const median = (xs: number[]) => percentile(xs, 0.5);
const of = (v: SdkVariant) => samples.get(v.name) ?? [];
const cpu = (v: SdkVariant) => of(v).map((s) => s.cpuMicros);
/** Per round, what a variant adds over no SDK: rounds alternate, so each round's figures belong together. */
const added = (v: SdkVariant) => cpu(v).map((c, i) => c - (cpu(NO_SDK)[i] as number));
const stockAdded = added(STOCK);
const range = (xs: number[], digits = 0) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
console.log(
  `\n${ROUNDS} alternated rounds x ${REQUESTS} single-row V1 requests on 16 connections, then ${LONE} on one; medians over rounds (range); Node ${process.version}\n`,
);
console.log(
  markdownTable(
    [
      "variant",
      "server CPU µs/request",
      "added over no SDK",
      "added / stock's added",
      "p99 one connection, ms",
      "p99 added, ms",
      "exports per run: traces, metrics, logs",
    ],
    VARIANTS.map((v) => {
      const ratios = added(v).map((a, i) => a / (stockAdded[i] as number));
      const p99s = of(v).map((s) => s.p99);
      const p99Added = p99s.map((p, i) => p - (of(NO_SDK)[i]?.p99 as number));
      const exports = SIGNALS.map((s) => median(of(v).map((x) => x.exports[s]))).join(", ");
      return [
        v.name,
        `${median(cpu(v)).toFixed(0)} (${range(cpu(v))})`,
        v === NO_SDK ? "" : `+${median(added(v)).toFixed(0)} (${range(added(v))})`,
        v === NO_SDK ? "" : `${median(ratios).toFixed(2)} (${range(ratios, 2)})`,
        `${median(p99s).toFixed(2)} (${range(p99s, 2)})`,
        v === NO_SDK ? "" : `${median(p99Added).toFixed(2)} (${range(p99Added, 2)})`,
        exports,
      ];
    }),
  ),
);
