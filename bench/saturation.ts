import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { CONFIG_SCHEMA } from "../ml-api/src/config.js";
import { API_DIST } from "../stack/layout.js";
import { type ApiProcess, spawnListening } from "../test/support/api-process.js";
import { cpuMicros } from "./lib/process-cpu.js";
import { REGISTER_SDK } from "./lib/sdk-variants.js";

/**
 * Behaviour past saturation, with admission control (MAX_INFLIGHT_REQUESTS at its default) and without it
 * (the limit at its maximum, never reached). Offered load is stepped up by adding autocannon connections, each
 * of which sends its next request as soon as the last is answered, so beyond capacity every connection added
 * is one more request waiting, and a refused client resends at once (the worst case: clients that ignore
 * Retry-After, and a server that spends part of its time refusing). Both servers are the instrumented API from
 * its build, exporting to a local OTLP sink, each in its own process, alternated step by step in one run so
 * machine noise hits both alike. Latency is reported for accepted (2xx) requests apart from refused (503)
 * ones, from autocannon's response events; server CPU per answer shows what a refusal costs beside a success.
 *
 *   npm run bench -- saturation [--steps 4,16,64,256,512] [--seconds 10] [--rounds 2] [--rows 32]
 */
const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "4,16,64,256,512" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    rows: { type: "string", default: "32" },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const ROWS = Number(values.rows);
const DEFAULT_LIMIT = CONFIG_SCHEMA.properties.MAX_INFLIGHT_REQUESTS.default;
const UNLIMITED = CONFIG_SCHEMA.properties.MAX_INFLIGHT_REQUESTS.maximum;

const ROW = { bill_length_mm: 45.2, bill_depth_mm: 16.4, flipper_length_mm: 223, body_mass_g: 5950 };
const many = <T>(value: T) => Array.from({ length: ROWS }, () => value);
/** Batches of ROWS rows over both protocols and both model versions. */
const REQUESTS = [
  { path: "/v1/models/penguins:predict", body: { instances: many({ ...ROW, island: "Biscoe" }) } },
  {
    path: "/v2/models/penguins/versions/1/infer",
    body: {
      inputs: [
        ...Object.entries(ROW).map(([name, v]) => ({ name, shape: [ROWS], datatype: "FP32", data: many(v) })),
        { name: "island", shape: [ROWS], datatype: "BYTES", data: many("Biscoe") },
        { name: "sex", shape: [ROWS], datatype: "BYTES", data: many("MALE") },
      ],
    },
  },
].map((r) => ({ path: r.path, body: JSON.stringify(r.body) }));

interface Answer {
  status: number;
  ms: number;
}

interface Target {
  name: string;
  api: ApiProcess;
}

interface Step {
  /** Answers per second, of any status. */
  rps: number;
  okRps: number;
  refusedShare: number;
  okP50: number;
  okP99: number;
  okMax: number;
  refusedP99: number;
  /** Neither 2xx nor 503: other statuses, timeouts, connection errors. */
  other: number;
  /** Server CPU time per answer, µs. */
  cpuPerAnswer: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

function summarise(answers: Answer[], seconds: number, cpu: number, extraOther = 0): Step {
  const ok = answers.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.ms);
  const refused = answers.filter((a) => a.status === 503).map((a) => a.ms);
  ok.sort((a, b) => a - b);
  refused.sort((a, b) => a - b);
  const answered = ok.length + refused.length;
  return {
    rps: answered / seconds,
    okRps: ok.length / seconds,
    refusedShare: answered === 0 ? 0 : refused.length / answered,
    okP50: quantile(ok, 0.5),
    okP99: quantile(ok, 0.99),
    okMax: ok.at(-1) ?? Number.NaN,
    refusedP99: quantile(refused, 0.99),
    other: answers.length - answered + extraOther,
    cpuPerAnswer: answered === 0 ? Number.NaN : cpu / answered,
  };
}

/** `connections` autocannon connections, each resending as soon as it is answered. */
async function closedLoop(target: Target, connections: number, seconds: number): Promise<Step> {
  const answers: Answer[] = [];
  const cpuBefore = cpuMicros(target.api.child.pid as number);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${target.api.port}`,
        requests: REQUESTS.map((r) => ({
          method: "POST",
          headers: { "content-type": "application/json" },
          ...r,
        })),
        connections,
        duration: seconds,
        timeout: 30,
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, status, _bytes, ms) => answers.push({ status, ms }));
  });
  const cpu = cpuMicros(target.api.child.pid as number) - cpuBefore;
  return summarise(answers, seconds, cpu, result.errors + result.timeouts);
}

const ms = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));

const sink = await spawnListening("bench/lib/otlp-sink.ts");
const instrumented = (limit: number) =>
  spawnListening(
    API_DIST.main,
    {
      LOG_LEVEL: "info",
      MAX_INFLIGHT_REQUESTS: String(limit),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
    },
    REGISTER_SDK,
  );
const targets: Target[] = [
  { name: `on (limit ${DEFAULT_LIMIT})`, api: await instrumented(DEFAULT_LIMIT) },
  { name: "off", api: await instrumented(UNLIMITED) },
];
try {
  for (const t of targets) await closedLoop(t, 8, 3); // warm-up: JIT, sessions, connections
  const steps = (values.steps as string).split(",").map((c) => ({
    label: `${c} connections`,
    run: (t: Target) => closedLoop(t, Number(c), SECONDS),
  }));
  const samples = new Map<string, Step[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, step] of steps.entries()) {
      for (const t of (round + i) % 2 ? targets : [...targets].reverse()) {
        const s = await step.run(t);
        const key = `${step.label}|${t.name}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
        process.stderr.write(
          `round ${round}, ${step.label}, ${t.name}: ${s.rps.toFixed(0)} answers/s, ${(s.refusedShare * 100).toFixed(1)} % 503, 2xx p99 ${ms(s.okP99)} ms, ${s.cpuPerAnswer.toFixed(0)} µs CPU/answer\n`,
        );
      }
    }
  }
  console.log(
    `\n${ROUNDS} rounds x ${SECONDS} s per step, batches of ${ROWS} rows (V1 latest and V2 version 1 alternating); every round's figures, not medians, since two rounds have none\n`,
  );
  console.log(
    "| offered | admission | round | answers/s | 2xx/s | 503 share | 2xx p50 ms | 2xx p99 ms | 2xx max ms | 503 p99 ms | server CPU µs/answer | other |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const step of steps) {
    for (const t of targets) {
      for (const [round, s] of (samples.get(`${step.label}|${t.name}`) ?? []).entries()) {
        const cells = [
          step.label,
          t.name,
          round + 1,
          s.rps.toFixed(0),
          s.okRps.toFixed(0),
          `${(s.refusedShare * 100).toFixed(1)} %`,
          ms(s.okP50),
          ms(s.okP99),
          ms(s.okMax),
          ms(s.refusedP99),
          s.cpuPerAnswer.toFixed(0),
          s.other,
        ];
        console.log(`| ${cells.join(" | ")} |`);
      }
    }
  }
} finally {
  for (const p of [...targets.map((t) => t.api), sink]) {
    p.child.kill("SIGTERM");
    await p.exited;
  }
}
