import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { runModelCommand } from "../../ml-api/training/model-command.js";
import { addArgs, EXPORTED, type Fixture, HELDOUT_CSV } from "./exported-models.js";

/**
 * The model repository the end-to-end stacks serve: the bundled penguins classifier and an exported
 * gradient-boosted regressor added with `npm run model -- add`, with its held-out rows beside it so traffic
 * replays them as it replays the penguins'.
 */

export const CLASSIFIER = "penguins";
export const REGRESSOR = "body-mass";

export interface ServedModels {
  repository: string;
  remove(): void;
}

export async function servedModels(): Promise<ServedModels> {
  const repository = mkdtempSync(join(tmpdir(), "inferwatch-e2e-models-"));
  cpSync(join(BUNDLED_MODEL_REPOSITORY, CLASSIFIER), join(repository, CLASSIFIER), { recursive: true });
  const regressor = EXPORTED.find((f) => f.task === "regression") as Fixture;
  await runModelCommand(addArgs({ ...regressor, name: REGRESSOR }, repository, "1", regressor.name));
  copyFileSync(HELDOUT_CSV, join(repository, REGRESSOR, "1", "heldout.csv"));
  return { repository, remove: () => rmSync(repository, { recursive: true, force: true }) };
}
