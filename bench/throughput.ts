import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { API_DIST } from "../stack/layout.js";
import { type ApiProcess, spawnListening } from "../test/support/api-process.js";
import { BENCH_MODEL_NAMES, benchModel } from "./lib/bench-model.js";
import { percentile } from "./lib/percentile.js";
import { cpuMicros } from "./lib/process-cpu.js";
import { REGISTER_SDK } from "./lib/sdk-variants.js";

/**
 * Throughput and latency of three servers on the same model, alternated round by round in one run so
 * machine noise hits all alike: the ML API with the OpenTelemetry SDK (all metrics, default tracing,
 * exporting to a local OTLP sink), the same API without the SDK, and a bare Express + ONNX Runtime handler.
 * Each server runs in its own process, the API from its compiled build (`npm run build` first, which
 * `npm run bench` does); autocannon runs here. Saturated scenarios measure throughput (and p99 inflated by
 * queueing at 16 connections); the one-connection scenario sends each request when the last is answered, so
 * its p99 is the latency the SDK adds to a request that waits behind no other.
 * `--model body-mass` serves the exported 100-tree ensemble (`lib/bench-model.ts`) instead of the bundled
 * MLP, to the two API servers only.
 *
 *   npm run bench -- throughput [--rounds 3] [--seconds 10] [--connections 16]
 *     [--model penguins|body-mass]
 */
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "16" },
    model: { type: "string", default: BENCH_MODEL_NAMES[0] },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const model = await benchModel(values.model);

const SCENARIOS: { name: string; rows: number; connections?: number }[] = [
  { name: "single row", rows: 1 },
  { name: "batch of 32", rows: 32 },
  { name: "single row, one connection", rows: 1, connections: 1 },
];

interface Target extends ApiProcess {
  name: string;
}

async function start(
  name: string,
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  return {
    name,
    ...(await spawnListening(script, { LOG_LEVEL: "info", ...model.env, ...env }, nodeArgs)),
  } as Target;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU time per request. */
  cpuMicros: number;
}

async function load(
  target: Target,
  rows: number,
  seconds: number,
  connections = CONNECTIONS,
): Promise<Sample> {
  const cpuBefore = cpuMicros(target.child.pid as number);
  // autocannon's own percentiles are whole milliseconds; the 1 ms goal needs the fractions it measures.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url: `http://127.0.0.1:${target.port}/v1/models/${model.name}:predict`,
      method: "POST" as const,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: Array(rows).fill(model.row) }),
      connections,
      duration: seconds,
    };
    autocannon(options, (error, done) => (error ? reject(error) : resolve(done))).on(
      "response",
      (_client, status, _bytes, ms) => {
        if (status < 300) latencies.push(ms);
      },
    );
  });
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: result.errors + result.non2xx,
    cpuMicros: (cpuMicros(target.child.pid as number) - cpuBefore) / result.requests.total,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const sink = await spawnListening("bench/lib/otlp-sink.ts");
const targets = [
  await start(
    "ml-api+otel",
    API_DIST.main,
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}` },
    REGISTER_SDK,
  ),
  await start("ml-api", API_DIST.main),
  // The bare handler knows the MLP's features only.
  ...(model.name === BENCH_MODEL_NAMES[0] ? [await start("bare", "bench/lib/bare-server.ts")] : []),
];
/** Pairs compared in the summary: the telemetry's cost, then the API's own cost over the bare handler. */
const RATIOS = (
  [
    ["ml-api+otel", "ml-api"],
    ["ml-api", "bare"],
  ] as const
).filter((pair) => pair.every((name) => targets.some((t) => t.name === name)));
try {
  const samples = new Map<string, Sample[]>();
  for (const target of targets) for (const s of SCENARIOS) await load(target, s.rows, 2, s.connections); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of SCENARIOS) {
      for (const target of round % 2 ? targets : [...targets].reverse()) {
        const sample = await load(target, s.rows, SECONDS, s.connections);
        const key = `${target.name}|${s.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.error(
          `round ${round} ${key}: ${sample.rps.toFixed(0)} req/s p99 ${sample.p99.toFixed(2)} ms, ${sample.cpuMicros.toFixed(0)} µs CPU/req`,
        );
      }
    }
  }
  console.log(
    `\n${ROUNDS} rounds x ${SECONDS}s, ${CONNECTIONS} connections unless the scenario says; model ${model.name}; medians over rounds\n`,
  );
  console.log("| scenario | server | req/s | rows/s | p50 ms | p99 ms | server CPU µs/req | errors |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const s of SCENARIOS) {
    const stats = targets.map((t) => {
      const xs = samples.get(`${t.name}|${s.name}`) ?? [];
      return {
        name: t.name,
        rps: median(xs.map((x) => x.rps)),
        p50: median(xs.map((x) => x.p50)),
        p99: median(xs.map((x) => x.p99)),
        cpu: median(xs.map((x) => x.cpuMicros)),
        errors: xs.reduce((a, x) => a + x.errors, 0),
      };
    });
    for (const st of stats) {
      const line = [
        s.name,
        st.name,
        st.rps.toFixed(0),
        (st.rps * s.rows).toFixed(0),
        st.p50.toFixed(2),
        st.p99.toFixed(2),
        st.cpu.toFixed(0),
        st.errors,
      ];
      console.log(`| ${line.join(" | ")} |`);
    }
    for (const [a, b] of RATIOS) {
      const [x, y] = [stats.find((st) => st.name === a), stats.find((st) => st.name === b)] as [
        (typeof stats)[0],
        (typeof stats)[0],
      ];
      const p99 = x.p99 - y.p99;
      console.log(
        `| ${s.name} | ratio ${a} / ${b} | ${(x.rps / y.rps).toFixed(3)} | | | ${p99 >= 0 ? "+" : ""}${p99.toFixed(2)} ms | ${(y.cpu / x.cpu).toFixed(3)} (capacity) | |`,
      );
    }
  }
} finally {
  for (const t of [...targets, sink]) {
    t.child.kill("SIGTERM");
    await t.exited;
  }
  model.remove();
}
