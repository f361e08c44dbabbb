import { performance } from "node:perf_hooks";
import { HTTP_ROUTES, routePath } from "../contract/http-routes.js";
import { loadConfig } from "../ml-api/src/config.js";
import { PredictionIds } from "../ml-api/src/inference/prediction-ids.js";
import { SeenLabels } from "../ml-api/src/inference/seen-labels.js";
import { readSecrets } from "../ml-api/src/secrets.js";
import { spawnListening } from "../test/support/api-process.js";
import { controlHeaders, testSecretEnv } from "../test/support/control-secrets.js";
import { ADELIE_V1, v2Body, withoutSex } from "../test/support/penguins.js";
import { httpLoad, type LoadSample } from "./lib/http-load.js";
import { markdownTable } from "./lib/markdown-table.js";
import { numberOptions } from "./lib/number-options.js";
import { median } from "./lib/percentile.js";

/**
 * What prediction ids and feedback cost. In process: issuing and verifying one id, and remembering it.
 * Over HTTP, against one API process (one core does its work; the event loop is single-threaded): the same
 * V2 request of 32 rows with and without the `prediction_id` output, and feedback requests of 1 and 100
 * labels, each label a distinct genuine id, at 16 connections.
 *
 *   npm run bench -- feedback [--seconds 5] [--rounds 3]
 */
const { seconds: SECONDS, rounds: ROUNDS } = numberOptions({ seconds: 5, rounds: 3 });

const secrets = readSecrets(loadConfig(testSecretEnv()));
const ids = new PredictionIds(secrets.predictionIdKey);

/** Nanoseconds per call of `f`, the median of `ROUNDS` timed loops of `n`. */
function nsPer(n: number, f: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f(i);
    rounds.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(rounds);
}

const classes = Array.from({ length: 32 }, (_, i) => ({ kind: "class" as const, index: i % 3 }));
const sample = ids.issue("penguins", "2", classes);
const seen = new SeenLabels(1_000_000);
const inProcess = [
  ["issue, 1 row per call", nsPer(20_000, () => ids.issue("penguins", "2", [{ kind: "class", index: 0 }]))],
  ["issue, 32 rows per call (per id)", nsPer(2_000, () => ids.issue("penguins", "2", classes)) / 32],
  ["verify", nsPer(20_000, (i) => ids.verify(sample[i % 32] as string))],
  ["remember (dedup)", nsPer(200_000, (i) => seen.firstTime(`k${i}`))],
] as const;

const api = await spawnListening("ml-api/src/main.ts", { LOG_LEVEL: "info" }, [], {
  startTimeoutMs: 120_000,
});
const url = `http://127.0.0.1:${api.port}`;

function load(path: string, bodies: () => string): Promise<LoadSample> {
  return httpLoad(api.child.pid as number, {
    url: url + path,
    method: "POST",
    headers: { "content-type": "application/json", ...controlHeaders() },
    connections: 16,
    duration: SECONDS,
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies() }) }],
  });
}

const rows = Array(32).fill(withoutSex(ADELIE_V1));
const withIds = JSON.stringify(v2Body(rows));
const withoutIds = JSON.stringify(v2Body(rows, { outputs: [{ name: "label" }, { name: "probabilities" }] }));
/** Fresh genuine ids, so no label is a duplicate until the pool wraps. */
let pool: string[] = [];
const nextId = () => {
  if (pool.length === 0) pool = ids.issue("penguins", "2", Array(10_000).fill({ kind: "class", index: 0 }));
  return pool.pop() as string;
};
const feedback = (n: number) => () =>
  JSON.stringify({
    feedback: Array.from({ length: n }, () => ({ prediction_id: nextId(), label: "Adelie" })),
  });

const infer = routePath(HTTP_ROUTES.v2Infer, { name: "penguins" });
const labels = routePath(HTTP_ROUTES.feedback, { name: "penguins" });
const scenarios: [string, string, () => string, number][] = [
  ["V2 infer, 32 rows, with prediction_id", infer, () => withIds, 32],
  ["V2 infer, 32 rows, without", infer, () => withoutIds, 32],
  ["feedback, 1 label", labels, feedback(1), 1],
  ["feedback, 100 labels", labels, feedback(100), 100],
];
try {
  const samples = new Map<string, LoadSample[]>();
  for (const [, path, body] of scenarios) await load(path, body); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, path, body] of scenarios) {
      const s = await load(path, body);
      samples.set(name, [...(samples.get(name) ?? []), s]);
      console.error(
        `round ${round} ${name}: ${s.rps.toFixed(0)} req/s, ${s.cpuMicros.toFixed(0)} µs CPU/req`,
      );
    }
  }
  console.log(`\nIn process, median of ${ROUNDS} loops:\n`);
  console.log(
    markdownTable(
      ["operation", "µs per call"],
      inProcess.map(([what, ns]) => [what, (ns / 1000).toFixed(2)]),
    ),
  );
  console.log(`\nOne API process, 16 connections, ${ROUNDS} rounds x ${SECONDS} s, medians:\n`);
  console.log(
    markdownTable(
      ["scenario", "req/s", "rows or labels/s", "server CPU µs/req", "errors"],
      scenarios.map(([name, , , per]) => {
        const xs = samples.get(name) ?? [];
        const rps = median(xs.map((x) => x.rps));
        return [
          name,
          rps.toFixed(0),
          (rps * per).toFixed(0),
          median(xs.map((x) => x.cpuMicros)).toFixed(0),
          xs.reduce((n, x) => n + x.errors, 0),
        ];
      }),
    ),
  );
} finally {
  api.child.kill("SIGTERM");
  await api.exited;
}
