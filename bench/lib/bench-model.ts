import { REFERENCES } from "../../test/support/exported-models.js";
import { CLASSIFIER, REGRESSOR, servedModels } from "../../test/support/served-models.js";
import { PENGUINS } from "./single-row-load.js";

/** A model a per-request bench can serve: the bundled MLP, or the exported 100-tree ensemble. */
export interface BenchModel {
  name: string;
  /** One V1 instance of the model. */
  row: unknown;
  /** What the API needs in its environment to serve the model. */
  env: Record<string, string>;
  remove(): void;
}

export const BENCH_MODEL_NAMES = [CLASSIFIER, REGRESSOR] as const;

/**
 * `penguins` is the bundled MLP, served from the bundled repository; `body-mass` the gradient-boosted
 * regressor of the test fixtures (onnxmltools' TreeEnsembleRegressor, 100 trees of depth 3), added to a
 * repository of its own as `npm run bench -- tree-ensemble` serves it.
 */
export async function benchModel(name: string | undefined): Promise<BenchModel> {
  if (name === undefined || name === CLASSIFIER) return { ...PENGUINS, env: {}, remove: () => undefined };
  if (name !== REGRESSOR) throw new Error(`--model is one of ${BENCH_MODEL_NAMES.join(", ")}`);
  const served = await servedModels();
  return {
    name,
    row: REFERENCES["gbr-regressor"]?.rows[0],
    env: { MODEL_REPOSITORY: served.repository },
    remove: served.remove,
  };
}
