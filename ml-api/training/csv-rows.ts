/** Reads a CSV file into generic rows, typing each feature column by its spec. */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { DataError } from "./data-error.js";
import type { FeatureSpec, Row } from "./feature-spec.js";

/** Cells that mean "missing": an empty cell, and the NA that R and pandas write. */
const MISSING = new Set(["", "NA"]);

export function readCsvRows(path: string, features: readonly FeatureSpec[], label: string): Row[] {
  const records = parse(readFileSync(path, "utf8"), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  const header = records[0] ? Object.keys(records[0]) : [];
  for (const column of [...features.map((f) => f.name), label]) {
    if (!header.includes(column)) throw new DataError(`${path} has no column "${column}"`);
  }
  return records.map((record, i) => {
    const row: Row = { [label]: cell(record[label]) };
    for (const f of features) {
      const text = cell(record[f.name]);
      row[f.name] = f.type === "categorical" || text === null ? text : toNumber(text, f.name, i);
    }
    return row;
  });
}

function cell(text: string | undefined): string | null {
  return text === undefined || MISSING.has(text) ? null : text;
}

function toNumber(text: string, column: string, index: number): number {
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new DataError(`numeric column "${column}" has "${text}" in data row ${index + 1}`);
  }
  return value;
}
