/** Trains one version of the `penguins` model and produces its three artefacts in memory. */
import type { ModelCard } from "../src/inference/model-card.js";
import type { FeatureProfile, ModelProfile } from "../src/inference/profile.js";
import { toCsv } from "./csv-text.js";
import type { FeatureSpec, Row } from "./feature-spec.js";
import { type Mlp, predictProbabilities, trainMlp } from "./mlp.js";
import { encodeModelInput, INPUT_NAME, inputColumnCount, OUTPUT_NAME } from "./model-input.js";
import { exportOnnx, OPSET } from "./onnx-export.js";
import { loadPenguins, PENGUINS_LABEL } from "./penguins-dataset.js";
import { preprocess } from "./preprocess.js";
import { createRandom } from "./prng.js";
import { buildProfile, profileFeatures, sortedDistinct } from "./profile-builder.js";
import { stratifiedSplit } from "./split.js";
import { topClasses } from "./top-class.js";

export const MODEL_NAME = "penguins";

export interface PenguinsVersion {
  version: string;
  seed: number;
  features: FeatureSpec[];
  /** Fixed per version rather than the clock, so retraining reproduces the committed card byte for byte. */
  trainedAt: string;
}

const NUMERIC: FeatureSpec[] = [
  { name: "bill_length_mm", type: "numeric" },
  { name: "bill_depth_mm", type: "numeric" },
  { name: "flipper_length_mm", type: "numeric" },
  { name: "body_mass_g", type: "numeric" },
];

export const PENGUINS_VERSIONS: PenguinsVersion[] = [
  {
    version: "1",
    seed: 1,
    features: [...NUMERIC, { name: "island", type: "categorical" }, { name: "sex", type: "categorical" }],
    trainedAt: "2026-11-22",
  },
  // Drops sex, which field teams often cannot record, so version 2 has a different input width than 1.
  {
    version: "2",
    seed: 2,
    features: [...NUMERIC, { name: "island", type: "categorical" }],
    trainedAt: "2026-11-22",
  },
];

const TEST_SHARE = 0.25;
const HIDDEN_UNITS = 16;
const EPOCHS = 400;
const LEARNING_RATE = 0.01;
const WEIGHT_DECAY = 1e-3;

/** The bundled models follow the one-hot contract: the API computes their one-hot input columns. */
const SIGNATURE: ModelCard["signature"] = {
  task: "classification",
  inputs: "one-hot",
  scores: "probabilities",
};

export interface TrainedPenguins {
  modelBytes: Uint8Array;
  card: ModelCard & Required<Pick<ModelCard, "metrics">>;
  profile: ModelProfile;
  /** The exported weights, for checking the ONNX graph against the TypeScript forward pass. */
  mlp: Mlp;
  /** Held-out rows the card's test accuracy was measured on. */
  testRows: Row[];
  /** The same rows as CSV (`heldout.csv`): what `npm run traffic` replays by default. */
  heldOutCsv: string;
}

/** Every column of the table, label first: both versions' features, so any version can replay the rows. */
export const PENGUINS_COLUMNS = [
  PENGUINS_LABEL,
  "island",
  "bill_length_mm",
  "bill_depth_mm",
  "flipper_length_mm",
  "body_mass_g",
  "sex",
];

export function trainPenguins(spec: PenguinsVersion): TrainedPenguins {
  const table = loadPenguins();
  const random = createRandom(spec.seed);
  const { train, test } = stratifiedSplit(table.rows, PENGUINS_LABEL, TEST_SHARE, random);
  const features = profileFeatures(train, spec.features);
  const classes = sortedDistinct(train.map((row) => String(row[PENGUINS_LABEL])));
  const labelIndices = (rows: Row[]) => rows.map((row) => classes.indexOf(String(row[PENGUINS_LABEL])));
  const mlp = trainMlp(prepared(train, features), labelIndices(train), classes.length, {
    hidden: HIDDEN_UNITS,
    epochs: EPOCHS,
    learningRate: LEARNING_RATE,
    weightDecay: WEIGHT_DECAY,
    random,
  });
  const score = (rows: Row[]) => {
    const top = topClasses(predictProbabilities(mlp, prepared(rows, features)), classes.length);
    const truth = labelIndices(rows);
    return { top, accuracy: top.filter((t, i) => t.index === truth[i]).length / rows.length };
  };
  const trainScore = score(train);
  const testScore = score(test);
  const featureList = spec.features.map((f) => f.name).join(", ");
  const description = `Predicts a Palmer penguin's species from ${featureList}.`;
  return {
    modelBytes: exportOnnx({ name: MODEL_NAME, version: spec.version, description, mlp, features, classes }),
    profile: buildProfile({
      rows: train,
      features,
      label: PENGUINS_LABEL,
      classes,
      topConfidences: trainScore.top.map((t) => t.confidence),
    }),
    card: {
      name: MODEL_NAME,
      version: spec.version,
      description,
      trainedAt: spec.trainedAt,
      dataset: { name: "Palmer penguins", source: table.source, license: "CC0-1.0", rows: table.rows.length },
      seed: spec.seed,
      split: { trainRows: train.length, testRows: test.length },
      signature: SIGNATURE,
      architecture: { kind: "mlp", hiddenUnits: [HIDDEN_UNITS], activation: "relu" },
      metrics: { testAccuracy: testScore.accuracy, trainAccuracy: trainScore.accuracy },
      onnx: {
        opset: OPSET,
        input: INPUT_NAME,
        output: OUTPUT_NAME,
        inputColumns: inputColumnCount(features),
      },
    },
    mlp,
    testRows: test,
    heldOutCsv: toCsv(test, PENGUINS_COLUMNS),
  };
}

function prepared(rows: readonly Row[], features: readonly FeatureProfile[]): Float64Array {
  return preprocess(encodeModelInput(rows, features), features);
}
