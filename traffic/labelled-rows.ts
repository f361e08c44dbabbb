import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import { loadPenguins, PENGUINS_LABEL } from "../ml-api/training/penguins-dataset.js";
import type { LabelledRow } from "./feedback-loop.js";
import type { Instance } from "./row-sampler.js";

/**
 * The labelled rows `--feedback` replays: the data set the bundled penguins models were trained and tested
 * on, each row cut to the features the version's profile names. Other models have no data set here.
 */
export function labelledRows(model: string, profile: ModelProfile): LabelledRow[] {
  if (model !== "penguins")
    throw new Error(
      `--feedback replays a labelled data set, and only the bundled penguins model has one here`,
    );
  return loadPenguins().rows.map((row) => {
    const instance: Instance = {};
    for (const f of profile.features) instance[f.name] = (row[f.name] ?? null) as Instance[string];
    return { instance, label: String(row[PENGUINS_LABEL]) };
  });
}
