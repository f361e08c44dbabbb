import { loadConfig } from "../ml-api/src/config.js";
import { createLogger } from "../ml-api/src/logger.js";
import { startServer } from "../ml-api/src/server.js";
import { REFERENCES } from "../test/support/exported-models.js";
import { CLASSIFIER, REGRESSOR, servedModels } from "../test/support/served-models.js";
import { numberOptions } from "./lib/number-options.js";
import { percentile } from "./lib/percentile.js";
import { SAMPLE_ROW } from "./lib/single-row-load.js";

/**
 * What serving an exported 100-tree ensemble costs next to the bundled MLP: the gradient-boosted regressor
 * (onnxmltools' TreeEnsembleRegressor, 100 trees of depth 3) and penguins version 2, each behind the real
 * API in this process, sent V1 requests one at a time (so each latency is one request's alone) by batch
 * size.
 *
 *   npm run bench -- tree-ensemble [--requests 300]
 */
const { requests: REQUESTS } = numberOptions({ requests: 300 });
const BATCHES = [1, 32, 1024];

const served = await servedModels();
const config = loadConfig({
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  MODEL_REPOSITORY: served.repository,
  // Inference only: nothing here calls feedback, load or unload, which the control token guards.
  INFERWATCH_CONTROL_AUTH: "off",
});
const server = await startServer(config, createLogger(config.LOG_LEVEL));
const url = (model: string) => `http://127.0.0.1:${server.port}/v1/models/${model}:predict`;
const regressorRow = REFERENCES["gbr-regressor"]?.rows[0] as Record<string, number>;

const MODELS = [
  { name: REGRESSOR, label: "100-tree ensemble (body-mass)", row: regressorRow },
  { name: CLASSIFIER, label: "MLP (penguins v2)", row: SAMPLE_ROW },
];

console.log(`${REQUESTS} sequential V1 requests per row; in-process API, Node ${process.version}`);
console.log("| model | rows | p50 ms | p99 ms | requests/s |");
console.log("|---|---|---|---|---|");
try {
  for (const model of MODELS) {
    for (const rows of BATCHES) {
      const body = JSON.stringify({ instances: Array(rows).fill(model.row) });
      const post = () =>
        fetch(url(model.name), { method: "POST", headers: { "content-type": "application/json" }, body });
      for (let i = 0; i < 20; i++) await (await post()).arrayBuffer();
      const ms: number[] = [];
      const started = performance.now();
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        const res = await post();
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${model.name}: HTTP ${res.status}`);
        ms.push(performance.now() - t0);
      }
      const rps = REQUESTS / ((performance.now() - started) / 1000);
      const f = (x: number) => x.toFixed(2);
      console.log(
        `| ${model.label} | ${rows} | ${f(percentile(ms, 0.5))} | ${f(percentile(ms, 0.99))} | ${rps.toFixed(0)} |`,
      );
    }
  }
} finally {
  await server.stop();
  served.remove();
}
