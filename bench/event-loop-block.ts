import { join } from "node:path";
import { BUNDLED_MODEL_REPOSITORY } from "../ml-api/src/config.js";
import { LoadedModel } from "../ml-api/src/inference/loaded-model.js";
import { ModelRepository } from "../ml-api/src/inference/model-repository.js";
import { SAMPLE_ROW } from "./lib/single-row-load.js";

/**
 * How long one inference holds the event loop, per batch size. onnxruntime-node's run() returns a promise
 * but calls the native session synchronously inside a setImmediate (node_modules/onnxruntime-node/dist/
 * backend.js), so pre-processing, the model run and post-processing all block the loop: nothing else is
 * served meanwhile. MAX_BATCH_ROWS bounds that time.
 *
 *   npm run bench -- event-loop-block
 */
const repository = new ModelRepository(BUNDLED_MODEL_REPOSITORY);
const model = await LoadedModel.create("penguins", "2", await repository.read("penguins", "2"), {
  intraOpThreads: 1,
});
const REPEATS = 20;

console.log(`model ${join("penguins", "2")}; ${REPEATS} runs per batch size; medians`);
console.log("| rows | loop held per inference, ms | of which model run, ms |");
console.log("|---|---|---|");
for (const rows of [1, 32, 256, 1024, 4096, 16384]) {
  const batch = Array(rows).fill(SAMPLE_ROW);
  await model.infer(batch);
  const totals: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { timings } = await model.infer(batch);
    totals.push((timings.preprocess + timings.run + timings.postprocess) * 1000);
    runs.push(timings.run * 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[REPEATS >> 1]?.toFixed(3);
  console.log(`| ${rows} | ${median(totals)} | ${median(runs)} |`);
}
await model.release();
