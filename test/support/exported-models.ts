/**
 * The exported-model fixtures (test/fixtures/models, made by make_fixtures.py): how each is added with
 * `npm run model -- add`, and the outputs scikit-learn or PyTorch gave on its reference rows.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../fixtures/models/", import.meta.url));
export const TRAIN_CSV = `${FIXTURES}penguins-train.csv`;
export const HELDOUT_CSV = `${FIXTURES}penguins-heldout.csv`;

export type Instance = Record<string, number | string | null>;

export interface Reference {
  rows: Instance[];
  classes?: string[];
  labels?: string[];
  probabilities?: number[][];
  values?: number[];
}

export interface Fixture {
  name: string;
  task: "classification" | "regression";
  label: string;
  /** --features, when the graph's input names do not say. */
  features?: string;
  scores?: "probabilities" | "logits";
}

const MEASUREMENTS = "bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g";
const THREE = "bill_length_mm,bill_depth_mm,flipper_length_mm";

export const EXPORTED: Fixture[] = [
  {
    name: "rf-zipmap",
    task: "classification",
    label: "species",
    features: MEASUREMENTS,
    scores: "probabilities",
  },
  { name: "rf-tensor", task: "classification", label: "gentoo", features: THREE, scores: "probabilities" },
  { name: "gbr-regressor", task: "regression", label: "body_mass_g", features: THREE },
  { name: "pipeline", task: "classification", label: "species", scores: "probabilities" },
  { name: "torch-mlp", task: "classification", label: "species", features: MEASUREMENTS, scores: "logits" },
];

export const REFERENCES = JSON.parse(readFileSync(`${FIXTURES}references.json`, "utf8")) as Record<
  string,
  Reference
>;

/** Arguments of `npm run model -- add` for a fixture (`file`: its folder, when served under another name). */
/** Data rows of one of the fixture CSVs (lines but the header). */
export function csvRows(path: string): number {
  return readFileSync(path, "utf8").trimEnd().split("\n").length - 1;
}

export function addArgs(fixture: Fixture, repository: string, version = "1", file = fixture.name): string[] {
  return [
    "add",
    ...["--name", fixture.name, "--version", version, "--onnx", `${FIXTURES}${file}/model.onnx`],
    ...["--data", TRAIN_CSV, "--heldout", HELDOUT_CSV, "--label", fixture.label, "--repository", repository],
    ...(fixture.features ? ["--features", fixture.features] : []),
    ...["--date", "2026-12-06"],
  ];
}

/** |actual - expected| within `tolerance`, relative for large values: float32 graphs against float64 references. */
export function close(actual: number, expected: number, tolerance = 1e-4): boolean {
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}
