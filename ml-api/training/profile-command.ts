/** `npm run profile`: the monitoring profile for a user's own ONNX model, built from their own CSV. */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readCsvRows } from "./csv-rows.js";
import { DataError } from "./data-error.js";
import type { FeatureSpec } from "./feature-spec.js";
import { INPUT_NAME, OUTPUT_NAME } from "./model-input.js";
import { scoreTopConfidences } from "./onnx-scoring.js";
import { buildProfile, profileFeatures, sortedDistinct } from "./profile-builder.js";

export const PROFILE_HELP = `Usage: npm run profile -- --csv <file> --features <specs> --label <column> --model <model.onnx> --out <profile.json> [--classes <list>]

Builds the monitoring profile (profile.json) for your own ONNX model from the CSV it was trained on. The API
validates requests against the profile, builds the model input from it, and compares live traffic to it.

Options:
  --csv <file>        training rows with a header line; an empty cell or NA is a missing value
  --features <specs>  comma-separated name:type in the model's signature order, type numeric or categorical;
                      a categorical may fix its one-hot column order, island:categorical:Biscoe|Dream|Torgersen
                      (default: the values found in the CSV, sorted)
  --label <column>    the column holding the true class
  --classes <list>    the model's classes in the order of its probability columns, comma-separated
                      (default: the label values found in the CSV, sorted)
  --model <file>      required: the profile records the model's top-1 confidence on the CSV rows as the
                      baseline live confidence is compared with, and only the model itself can give it
  --out <file>        where to write the profile
  --help              show this text

The model must follow the inferwatch input contract: one float32 input "${INPUT_NAME}" [batch, D] whose
columns are the numeric features in --features order as raw values (NaN when missing, so the model imputes
them itself), then one one-hot block per categorical feature in its category order (all zeros when missing or
unseen); and one float32 output "${OUTPUT_NAME}" [batch, classes].
`;

/** Runs the command; returns what to print. Problems with the arguments or the data are DataErrors. */
export async function runProfileCommand(args: string[]): Promise<string> {
  const options = parseOptions(args);
  if (options.help) return PROFILE_HELP;
  const required = (name: "csv" | "features" | "label" | "model" | "out"): string => {
    const value = options[name];
    if (!value) throw new DataError(`--${name} is required (see --help)`);
    return value;
  };
  const specs = parseFeatureSpecs(required("features"));
  const label = required("label");
  const modelPath = required("model");
  const out = required("out");
  const rows = readCsvRows(required("csv"), specs, label);
  const classes = options.classes
    ? options.classes.split(",").map((c) => c.trim())
    : sortedDistinct(rows.flatMap((row) => (typeof row[label] === "string" ? [row[label]] : [])));
  const features = profileFeatures(rows, specs);
  const topConfidences = await scoreTopConfidences(modelPath, rows, features, classes.length);
  const profile = buildProfile({ rows, features, label, classes, topConfidences });
  writeFileSync(out, `${JSON.stringify(profile, null, 2)}\n`);
  return (
    `wrote ${out}: ${features.length} features, classes ${classes.join(", ")}, ${rows.length} rows, ` +
    `mean top-1 confidence ${profile.confidence.mean.toFixed(3)}\n`
  );
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        csv: { type: "string" },
        features: { type: "string" },
        label: { type: "string" },
        classes: { type: "string" },
        model: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new DataError(`${error instanceof Error ? error.message : error} (see --help)`);
  }
}

/** Parses `a:numeric,b:categorical,c:categorical:x|y`. */
export function parseFeatureSpecs(text: string): FeatureSpec[] {
  const specs = text.split(",").map((part): FeatureSpec => {
    const [name = "", type, categories, ...rest] = part.trim().split(":");
    if (name === "" || rest.length > 0) throw new DataError(`cannot read feature "${part}"; use name:type`);
    if (type === "numeric" && categories === undefined) return { name, type };
    if (type === "categorical") {
      return categories === undefined ? { name, type } : { name, type, categories: categories.split("|") };
    }
    throw new DataError(
      `feature "${part}": type must be numeric or categorical (only categorical lists values)`,
    );
  });
  const names = specs.map((s) => s.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new DataError(`feature "${duplicate}" is listed twice`);
  return specs;
}
