/**
 * `npm run model -- add`: puts a user's exported ONNX model into the model repository with the profile and
 * card the API serves it with, all inferred from the graph and a labelled CSV (flags override each guess).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import ort from "onnxruntime-node";
import { loadConfig } from "../src/config.js";
import type { FeatureValue } from "../src/inference/feature-encoder.js";
import { GraphInput } from "../src/inference/graph-input.js";
import type { ModelCard, ModelQuality } from "../src/inference/model-card.js";
import { ModelLoadError } from "../src/inference/model-load-error.js";
import { MODEL_NAME_PATTERN } from "../src/inference/model-repository.js";
import { type GraphValue, type OnnxGraph, readOnnxGraph } from "../src/inference/onnx-graph.js";
import { readOutput, type Scores } from "../src/inference/prediction.js";
import type { FeatureProfile, ModelProfile } from "../src/inference/profile.js";
import {
  type InputContract,
  type ModelSignature,
  resolveSignature,
  type ScoreKind,
  type SignatureHints,
  TASKS,
  type Task,
} from "../src/inference/signature.js";
import { DataError } from "./data-error.js";
import type { FeatureSpec, Row } from "./feature-spec.js";
import { buildProfile, numericDistribution, profileFeatures, sortedDistinct } from "./profile-builder.js";
import { mean } from "./stats.js";

export const MODEL_HELP = `Usage: npm run model -- add --name NAME --version V --onnx FILE --data CSV --label COLUMN [options]

Adds an exported ONNX model (scikit-learn via skl2onnx, XGBoost or LightGBM via onnxmltools, PyTorch via
torch.onnx.export) to the model repository: reads the graph's inputs and outputs, maps the CSV's columns to
them, runs the model on every CSV row, and writes model.onnx, profile.json (the monitoring baselines) and
card.json (signature, task, producer, checksum, quality) under <repository>/NAME/V/. A running API serves it
after POST /v2/repository/models/NAME/load.

Required:
  --name NAME          model name (letters, digits, _ . -)
  --version V          version, e.g. 1
  --onnx FILE          the exported model
  --data CSV           labelled rows with a header line, the model's training rows (the monitoring baseline);
                       an empty cell or NA is a missing value
  --label COLUMN       the column holding the true class or value

Recommended:
  --heldout CSV        labelled rows the model was not trained on, same columns: the card's quality, which the
                       quality alerts compare live accuracy or error against, is measured on them. Without it
                       the quality is measured on --data, the training rows, and is optimistic.

Options (each overrides what is otherwise inferred):
  --repository DIR     model repository (default: MODEL_REPOSITORY, else the bundled one)
  --features LIST      comma-separated CSV columns in the model's input order; by default the graph's input
                       names when it takes one input per feature, else every CSV column but the label, in
                       CSV order. For the one-hot contract each is name:numeric or name:categorical[:a|b|c]
  --task T             classification or regression (default: from the graph's outputs)
  --classes LIST       class labels in probability column order (default: the graph's classifier or ZipMap
                       labels, else the label values in the CSV, sorted)
  --scores KIND        probabilities or logits (default: logits when a score is outside [0, 1] or a row does
                       not sum to 1; the API then applies softmax)
  --inputs CONTRACT    graph (default) or one-hot: one float32 [N, D] input of raw numerics then one one-hot
                       block per categorical feature, which the API computes (the bundled models' contract)
  --description TEXT   for the card
  --date YYYY-MM-DD    the card's date (default: today)
  --help               show this text

Any mismatch (a column missing, a category the graph rejects, the model failing on a row, a class count that
disagrees) exits with status 2 and names the row and column.
`;

/** Rows per model run while scoring the CSV. */
const BATCH = 256;
/** How far a row of probabilities may sum from 1 before the scores count as logits. */
const SUM_TOLERANCE = 1e-3;
/** Probabilities below this count as this in the log loss, so one confident mistake stays finite. */
const MIN_PROBABILITY = 1e-15;

export interface AddedModel {
  dir: string;
  card: ModelCard;
  profile: ModelProfile;
}

/** Runs the command; returns what to print. Problems with the arguments, files or data are DataErrors. */
export async function runModelCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "help") return MODEL_HELP;
  if (command !== "add") throw new DataError(`unknown command "${command}"; the command is add (see --help)`);
  const options = parseOptions(rest);
  if (options.help) return MODEL_HELP;
  const added = await addModel(options, env);
  const q = added.card.quality as ModelQuality;
  const quality =
    q.task === "classification"
      ? `accuracy ${q.accuracy.toFixed(4)}, log loss ${q.logLoss.toFixed(4)}`
      : `MAE ${q.mae.toPrecision(4)}, RMSE ${q.rmse.toPrecision(4)}`;
  const s = added.card.signature;
  return (
    `wrote ${added.dir}: ${s.task}${s.task === "classification" ? ` (${added.profile.classes.join(", ")}; ${s.scores})` : ""}, ` +
    `${added.profile.features.length} features, ${added.profile.trainingRows} training rows; ` +
    `on ${q.rows} ${options.heldout ? "held-out" : "training"} rows ${quality}\n` +
    (options.heldout
      ? ""
      : "quality measured on the training rows: pass --heldout for the baseline the quality alerts use\n") +
    `serve it: POST /v2/repository/models/${added.card.name}/load\n`
  );
}

type Options = ReturnType<typeof parseOptions>;

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        name: { type: "string" },
        version: { type: "string" },
        onnx: { type: "string" },
        data: { type: "string" },
        heldout: { type: "string" },
        label: { type: "string" },
        repository: { type: "string" },
        features: { type: "string" },
        task: { type: "string" },
        classes: { type: "string" },
        scores: { type: "string" },
        inputs: { type: "string" },
        description: { type: "string" },
        date: { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new DataError(`${error instanceof Error ? error.message : error} (see --help)`);
  }
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new DataError(`--${flag} must be one of ${allowed.join(", ")}`);
  return value as T;
}

/** Accuracy and log loss, or MAE and RMSE, of the model's answers on labelled rows. */
function qualityOf(output: ReturnType<typeof readOutput>, rows: readonly Row[], label: string): ModelQuality {
  if (output.task === "classification") {
    const truth = rows.map((row) => String(row[label]));
    return {
      task: "classification",
      rows: rows.length,
      accuracy: mean(output.predictions.map((p, i) => (p.label === truth[i] ? 1 : 0))),
      logLoss: mean(
        output.predictions.map(
          (p, i) => -Math.log(Math.max(p.probabilities[truth[i] as string] ?? 0, MIN_PROBABILITY)),
        ),
      ),
    };
  }
  const errors = Array.from(output.values, (v, i) => v - (rows[i]?.[label] as number));
  return {
    task: "regression",
    rows: rows.length,
    mae: mean(errors.map(Math.abs)),
    rmse: Math.sqrt(mean(errors.map((e) => e * e))),
  };
}

export async function addModel(options: Options, env: NodeJS.ProcessEnv): Promise<AddedModel> {
  const required = (name: "name" | "version" | "onnx" | "data" | "label"): string => {
    const value = options[name];
    if (!value) throw new DataError(`--${name} is required (see --help)`);
    return value;
  };
  const name = required("name");
  const version = required("version");
  for (const [flag, value] of [
    ["name", name],
    ["version", version],
  ]) {
    if (!MODEL_NAME_PATTERN.test(value as string))
      throw new DataError(`--${flag} "${value}" must be letters, digits, _ . - (at most 64)`);
  }
  const label = required("label");
  const contract = oneOf<InputContract>("inputs", options.inputs, ["graph", "one-hot"]) ?? "graph";
  const bytes = readFile(required("onnx"));
  let graph: OnnxGraph;
  try {
    graph = readOnnxGraph(bytes);
  } catch (error) {
    throw new DataError(`${options.onnx}: ${(error as Error).message}`);
  }
  const csvPath = required("data");
  const table = readTable(csvPath);
  if (!table.header.includes(label)) throw new DataError(`${csvPath} has no column "${label}"`);
  const specs = featureSpecs(options.features, contract, graph, table.header, label, csvPath);
  const rows = typedRows(table, specs, label, csvPath);
  const task = oneOf<Task>("task", options.task, TASKS) ?? inferTask(graph);
  const features = profileFeatures(rows, specs);
  const classes =
    task === "regression"
      ? []
      : (options.classes?.split(",").map((c) => c.trim()) ?? graph.classLabels ?? labelValues(rows, label));
  const draft: ModelProfile = {
    schemaVersion: 1,
    features,
    classes,
    classShares: {},
    trainingRows: rows.length,
  };
  const hints: SignatureHints = {
    task,
    inputs: contract,
    ...(task === "classification" ? { scores: "probabilities" as ScoreKind } : {}),
  };
  let signature: ModelSignature;
  try {
    signature = resolveSignature(graph, draft, hints);
  } catch (error) {
    if (error instanceof ModelLoadError) throw new DataError(`${options.onnx}: ${error.message}`);
    throw error;
  }
  const raw = await scoreRows(graph, signature, draft, rows);
  const declared = signature.output;
  const width = declared.task === "regression" || declared.singleColumn ? 1 : classes.length;
  if (raw.length !== rows.length * width) {
    const got = raw.length / rows.length;
    throw new DataError(
      declared.task === "regression"
        ? `output "${declared.name}" gives ${got} values per row; a regressor gives one`
        : `output "${declared.name}" gives ${got} scores per row but there are ${classes.length} classes (${classes.join(", ")}); set --classes`,
    );
  }
  if (hints.task === "classification") {
    hints.scores =
      oneOf<ScoreKind>("scores", options.scores, ["probabilities", "logits"]) ??
      detectScores(raw, signature, classes.length);
    signature = {
      ...signature,
      output: { ...signature.output, scores: hints.scores } as ModelSignature["output"],
    };
  }
  const output = readOutput(signature.output, raw, classes);
  let profile: ModelProfile;
  if (output.task === "classification") {
    profile = buildProfile({
      rows,
      features,
      label,
      classes,
      topConfidences: output.predictions.map((p) => p.confidence),
    });
  } else {
    profile = { ...draft, predictedValue: numericDistribution(Array.from(output.values)) };
  }
  let quality = qualityOf(output, rows, label);
  if (options.heldout) {
    const heldoutTable = readTable(options.heldout);
    if (!heldoutTable.header.includes(label))
      throw new DataError(`${options.heldout} has no column "${label}"`);
    const heldoutRows = typedRows(heldoutTable, specs, label, options.heldout);
    const heldoutRaw = await scoreRows(graph, signature, draft, heldoutRows);
    quality = qualityOf(readOutput(signature.output, heldoutRaw, classes), heldoutRows, label);
  }
  const card: ModelCard = {
    name,
    version,
    description:
      options.description ?? `${basename(options.onnx as string)}, added with npm run model -- add.`,
    trainedAt: options.date ?? new Date().toISOString().slice(0, 10),
    dataset: { name: basename(csvPath), source: csvPath, rows: rows.length },
    signature: hints,
    onnx: {
      opset: graph.opset,
      producer: graph.producer,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      inputs: signature.graph.inputs,
      outputs: signature.graph.outputs,
    },
    quality,
  };
  const repository = options.repository ?? loadConfig(env).MODEL_REPOSITORY;
  const dir = join(repository, name, version);
  if (existsSync(dir)) throw new DataError(`${dir} already exists; pick another --version`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.onnx"), bytes);
  writeFileSync(join(dir, "profile.json"), `${JSON.stringify(profile, null, 2)}\n`);
  writeFileSync(join(dir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  return { dir, card, profile };
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new DataError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

interface Table {
  header: string[];
  records: Record<string, string>[];
}

function readTable(path: string): Table {
  let records: Record<string, string>[];
  try {
    records = parse(readFile(path), { columns: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${path} is not a CSV file with a header line: ${(error as Error).message}`);
  }
  const first = records[0];
  if (!first) throw new DataError(`${path} has no data rows`);
  return { header: Object.keys(first), records };
}

/** Cells that mean "missing": an empty cell, and the NA that R and pandas write. */
const MISSING = new Set(["", "NA"]);

function typedRows(table: Table, specs: readonly FeatureSpec[], label: string, path: string): Row[] {
  return table.records.map((record, i) => {
    const row: Row = { [label]: cell(record[label]) };
    for (const f of specs) {
      const text = cell(record[f.name]);
      if (f.type === "categorical" || text === null) {
        row[f.name] = text;
        continue;
      }
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new DataError(
          `${path} row ${i + 1}, column "${f.name}": "${text}" is not a number, and the model takes a number there`,
        );
      }
      row[f.name] = value;
    }
    return row;
  });
}

function cell(text: string | undefined): string | null {
  return text === undefined || MISSING.has(text) ? null : text;
}

/** The features in input order with their types, from --features, the graph's inputs or the CSV header. */
function featureSpecs(
  flag: string | undefined,
  contract: InputContract,
  graph: OnnxGraph,
  header: readonly string[],
  label: string,
  path: string,
): FeatureSpec[] {
  const byInput = new Map(graph.inputs.map((i) => [i.name, i]));
  const typeOf = (name: string): FeatureSpec => {
    const input = byInput.get(name);
    return input?.elementType === "string" ? { name, type: "categorical" } : { name, type: "numeric" };
  };
  let specs: FeatureSpec[];
  if (flag !== undefined) {
    specs = flag.split(",").map((part) => {
      const [name = "", type, categories, ...extra] = part.trim().split(":");
      if (name === "" || extra.length > 0) throw new DataError(`--features: cannot read "${part}"`);
      if (type === undefined) return typeOf(name);
      if (type === "numeric" && categories === undefined) return { name, type };
      if (type === "categorical")
        return categories === undefined ? { name, type } : { name, type, categories: categories.split("|") };
      throw new DataError(`--features: "${part}": the type must be numeric or categorical`);
    });
  } else if (contract === "one-hot") {
    throw new DataError("--inputs one-hot needs --features name:type,... in the model's column order");
  } else if (graph.inputs.length > 1 || (graph.inputs[0] && header.includes(graph.inputs[0].name))) {
    specs = graph.inputs.map((i) => typeOf(i.name));
  } else {
    specs = header.filter((c) => c !== label).map((name) => ({ name, type: "numeric" as const }));
    const input = graph.inputs[0] as GraphValue;
    const width = input.shape?.[1];
    if (typeof width === "number" && width !== specs.length) {
      throw new DataError(
        `${path} has ${specs.length} columns besides "${label}" (${specs.map((s) => s.name).join(", ")}) but input ` +
          `"${input.name}" takes ${width}; name them in order with --features`,
      );
    }
  }
  for (const spec of specs) {
    if (!header.includes(spec.name)) {
      throw new DataError(`${path} has no column "${spec.name}", which the model takes as an input`);
    }
  }
  return specs;
}

/** Classification when the graph has a label output, class labels or a multi-column score; else regression. */
function inferTask(graph: OnnxGraph): Task {
  if (graph.classLabels) return "classification";
  const labelOutput = graph.outputs.some((o) => o.elementType === "int64" || o.elementType === "string");
  const wide = graph.outputs.some((o) => o.shape?.length === 2 && o.shape[1] !== 1);
  return labelOutput || wide ? "classification" : "regression";
}

function labelValues(rows: readonly Row[], label: string): string[] {
  return sortedDistinct(rows.flatMap((row) => (row[label] === null ? [] : [String(row[label])])));
}

/** Logits when any score is outside [0, 1] or a row of several columns does not sum to 1. */
function detectScores(scores: Scores, signature: ModelSignature, classes: number): ScoreKind {
  if (scores.some((s) => s < 0 || s > 1)) return "logits";
  const output = signature.output;
  if (output.task === "classification" && !output.singleColumn) {
    for (let base = 0; base < scores.length; base += classes) {
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += scores[base + c] as number;
      if (Math.abs(sum - 1) > SUM_TOLERANCE) return "logits";
    }
  }
  return "probabilities";
}

/** The graph's raw score or value output on every row; a row the model fails on is named. */
async function scoreRows(
  graph: OnnxGraph,
  signature: ModelSignature,
  profile: ModelProfile,
  rows: readonly Row[],
): Promise<Scores> {
  const session = await ort.InferenceSession.create(graph.bytes);
  const input = new GraphInput(signature.input, profile);
  const names = profile.features.map((f: FeatureProfile) => f.name);
  const asInput = (row: Row): FeatureValue[] => names.map((n) => row[n] ?? null);
  const output = signature.output.name;
  const run = async (batch: readonly Row[]) =>
    (await session.run(input.feeds(batch.map(asInput)), [output]))[output]?.data as Scores;
  try {
    const parts: Scores[] = [];
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      try {
        parts.push(await run(batch));
      } catch (error) {
        for (let i = 0; i < batch.length; i++) {
          await run([batch[i] as Row]).catch((rowError: Error) => {
            const values = names.map((n) => `${n}=${JSON.stringify(batch[i]?.[n] ?? null)}`).join(", ");
            throw new DataError(
              `the model failed on data row ${start + i + 1} (${values}): ${rowError.message}`,
            );
          });
        }
        throw new DataError(
          `the model failed on rows ${start + 1}-${start + batch.length}: ${(error as Error).message}`,
        );
      }
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = parts[0] instanceof Float64Array ? new Float64Array(total) : new Float32Array(total);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  } finally {
    await session.release();
  }
}
