import { performance } from "node:perf_hooks";
import { HTTP_ROUTES, routePath } from "../contract/http-routes.js";
import { spawnInstrumentedApi, spawnListening } from "../test/support/api-process.js";
import { inferenceClient, inferRequest } from "../test/support/grpc-client.js";
import { v2Body } from "../test/support/penguins.js";
import { httpLoad, type LoadSample } from "./lib/http-load.js";
import { numberOptions } from "./lib/number-options.js";
import { median, percentile } from "./lib/percentile.js";
import { cpuMicros } from "./lib/process-cpu.js";

/**
 * The same inference over REST (Open Inference Protocol V2 JSON, autocannon) and gRPC (the protocol's
 * ModelInfer with typed contents, a grpc-js client), on one ML API with the SDK loaded, exporting to a local
 * OTLP sink, run from its sources as the tests run it: both protocols meet the same process, so the ratio is
 * what it measures. Round after round the protocols alternate, so machine noise hits
 * both alike. No maintained npm gRPC load generator exists, so the gRPC side is a bounded loop here: a
 * fixed number of calls in flight over one HTTP/2 connection (grpc-js multiplexes a channel's calls), each
 * sent when the last of its slot is answered, for a fixed time.
 *
 *   npm run bench -- grpc-vs-rest [--rounds 3] [--seconds 10] [--concurrency 16]
 */
const {
  rounds: ROUNDS,
  seconds: SECONDS,
  concurrency: CONCURRENCY,
} = numberOptions({ rounds: 3, seconds: 10, concurrency: 16 });

/** The bench's sample row as named features (bench/single-row-load.ts sends it as a V1 array). */
const ROW = {
  bill_length_mm: 45.2,
  bill_depth_mm: 16.4,
  flipper_length_mm: 223,
  body_mass_g: 5950,
  island: "Biscoe",
};
const SCENARIOS = [
  { name: "single row", rows: 1 },
  { name: "batch of 32", rows: 32 },
];

const sink = await spawnListening("bench/lib/otlp-sink.ts");
const api = await spawnInstrumentedApi({
  LOG_LEVEL: "info",
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
});
const grpcPort = Number(api.logs.find((l) => l.msg === "listening")?.grpcPort);
const pid = api.child.pid as number;

function rest(rows: number, seconds: number): Promise<LoadSample> {
  return httpLoad(pid, {
    url: `http://127.0.0.1:${api.port}${routePath(HTTP_ROUTES.v2Infer, { name: "penguins" })}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(v2Body(Array(rows).fill(ROW))),
    connections: CONCURRENCY,
    duration: seconds,
  });
}

async function grpc(rows: number, seconds: number): Promise<LoadSample> {
  const client = inferenceClient(grpcPort);
  const request = inferRequest("penguins", Array(rows).fill(ROW));
  await client.call("ServerLive", {});
  const before = cpuMicros(pid);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const { error } = await client.call("ModelInfer", request);
        if (error) errors++;
        else latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  const answered = latencies.length + errors;
  return {
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    cpuMicros: (cpuMicros(pid) - before) / answered,
  };
}

const PROTOCOLS = { REST: rest, gRPC: grpc } as const;

try {
  const samples = new Map<string, LoadSample[]>();
  for (const s of SCENARIOS) for (const run of Object.values(PROTOCOLS)) await run(s.rows, 2); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of SCENARIOS) {
      const order = Object.entries(PROTOCOLS);
      for (const [protocol, run] of round % 2 ? order : order.reverse()) {
        const sample = await run(s.rows, SECONDS);
        const key = `${protocol}|${s.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.error(
          `round ${round} ${key}: ${sample.rps.toFixed(0)} req/s p99 ${sample.p99.toFixed(2)} ms, ${sample.cpuMicros.toFixed(0)} µs CPU/req`,
        );
      }
    }
  }
  console.log(`\n${ROUNDS} rounds x ${SECONDS}s, ${CONCURRENCY} requests in flight; medians over rounds\n`);
  console.log("| scenario | protocol | req/s | rows/s | p50 ms | p99 ms | server CPU µs/req | errors |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const s of SCENARIOS) {
    for (const protocol of Object.keys(PROTOCOLS)) {
      const xs = samples.get(`${protocol}|${s.name}`) ?? [];
      const rps = median(xs.map((x) => x.rps));
      const line = [
        s.name,
        protocol,
        rps.toFixed(0),
        (rps * s.rows).toFixed(0),
        median(xs.map((x) => x.p50)).toFixed(2),
        median(xs.map((x) => x.p99)).toFixed(2),
        median(xs.map((x) => x.cpuMicros)).toFixed(0),
        xs.reduce((a, x) => a + x.errors, 0),
      ];
      console.log(`| ${line.join(" | ")} |`);
    }
  }
} finally {
  for (const p of [api, sink]) {
    p.child.kill("SIGTERM");
    await p.exited;
  }
}
