/** `npm run train`: trains every version of the penguins model and writes its artefacts under ml-api/models/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MODEL_NAME, PENGUINS_VERSIONS, trainPenguins } from "./penguins-training.js";

const modelsDir = fileURLToPath(new URL("../models/", import.meta.url));

for (const spec of PENGUINS_VERSIONS) {
  const started = performance.now();
  const trained = trainPenguins(spec);
  const dir = `${modelsDir}${MODEL_NAME}/${spec.version}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/model.onnx`, trained.modelBytes);
  writeFileSync(`${dir}/card.json`, `${JSON.stringify(trained.card, null, 2)}\n`);
  writeFileSync(`${dir}/profile.json`, `${JSON.stringify(trained.profile, null, 2)}\n`);
  writeFileSync(`${dir}/heldout.csv`, trained.heldOutCsv);
  const { testAccuracy, trainAccuracy } = trained.card.metrics;
  console.log(
    `${MODEL_NAME} v${spec.version}: test accuracy ${testAccuracy.toFixed(4)}, train ${trainAccuracy.toFixed(4)}, ` +
      `${trained.modelBytes.length} bytes, ${Math.round(performance.now() - started)} ms -> ${dir}`,
  );
}
