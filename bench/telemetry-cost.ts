import { parseArgs } from "node:util";
import { API_DIST } from "../stack/layout.js";
import { type ApiProcess, spawnListening } from "../test/support/api-process.js";
import { cpuMicros } from "./lib/process-cpu.js";
import { REGISTER_SDK, SDK_VARIANTS, type SdkVariant } from "./lib/sdk-variants.js";
import { singleRowLoad } from "./lib/single-row-load.js";

/**
 * Where the OpenTelemetry SDK's cost goes: server CPU per single-row request for the API without the SDK
 * and with the SDK in several configurations, each variant in its own process, alternated over rounds so
 * machine noise hits all alike. Exports go to a local OTLP sink.
 *
 *   npm run bench -- telemetry-cost [--rounds 3] [--requests 20000]
 */
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, requests: { type: "string", default: "20000" } },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);

const VARIANTS: SdkVariant[] = [
  ...SDK_VARIANTS,
  {
    name: "SDK, http instrumentation only, no exporters",
    env: {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: "http",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "none",
    },
    sdk: true,
  },
  { name: "SDK disabled (loader hook only)", env: { OTEL_SDK_DISABLED: "true" }, sdk: true },
];

async function measure(api: ApiProcess, requests: number): Promise<number> {
  const run = (amount: number) => singleRowLoad(api.port, amount);
  await run(2000);
  const before = cpuMicros(api.child.pid as number);
  const result = await run(requests);
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} failed requests`);
  return (cpuMicros(api.child.pid as number) - before) / requests;
}

const sink = await spawnListening("bench/lib/otlp-sink.ts");
const samples = new Map<string, number[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const v of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
      const api = await spawnListening(
        API_DIST.main,
        { LOG_LEVEL: "info", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`, ...v.env },
        v.sdk ? REGISTER_SDK : [],
      );
      try {
        const micros = await measure(api, REQUESTS);
        samples.set(v.name, [...(samples.get(v.name) ?? []), micros]);
        console.error(`round ${round} ${v.name}: ${micros.toFixed(0)} µs CPU/request`);
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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const base = median(samples.get("no SDK") ?? []);
console.log(
  `\n${ROUNDS} rounds x ${REQUESTS} single-row requests, 16 connections; medians; Node ${process.version}\n`,
);
console.log("| variant | server CPU µs/request | over no SDK | capacity vs no SDK |");
console.log("|---|---|---|---|");
for (const v of VARIANTS) {
  const m = median(samples.get(v.name) ?? []);
  console.log(`| ${v.name} | ${m.toFixed(0)} | +${(m - base).toFixed(0)} | ${(base / m).toFixed(3)} |`);
}
