import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import type { Random } from "./random.js";

/**
 * Feature rows replayed from real data (a model's held-out rows, or a user's CSV): each instance is one
 * record drawn at random, its columns typed by the version's profile, so what the API sees looks like what
 * the model was made for. A drift shifts one numeric feature by a number of its training standard
 * deviations, which is what the API's PSI and bin counters should notice.
 */

export type Value = number | string | null;
export type Instance = Record<string, Value>;
/** One CSV record, cells as text. */
export type CsvRecord = Record<string, string>;

export interface Drift {
  feature: string;
  /** Shift in training standard deviations. */
  std: number;
}

export interface ReplayOptions {
  drift?: Drift;
  /** Chance that a row gets one more numeric value removed (null), which the model imputes. */
  missingRate: number;
}

/** Cells that mean "missing": an empty cell, and the NA that R and pandas write. */
export const MISSING = new Set(["", "NA"]);

/** The records of a CSV file with a header line. */
export function readRecords(path: string): CsvRecord[] {
  const records = parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true, trim: true });
  if (records.length === 0) throw new Error(`${path} has no data rows`);
  return records as CsvRecord[];
}

export class RowReplay {
  constructor(
    readonly profile: ModelProfile,
    private readonly records: readonly CsvRecord[],
    private readonly random: Random,
    private readonly options: ReplayOptions,
  ) {
    const columns = Object.keys(records[0] ?? {});
    const absent = profile.features.filter((f) => !columns.includes(f.name)).map((f) => f.name);
    if (absent.length > 0) throw new Error(`the rows to replay have no column ${absent.join(", ")}`);
  }

  /** Feature names in signature order (the order of a V1 array instance). */
  get features(): string[] {
    return this.profile.features.map((f) => f.name);
  }

  row(): Instance {
    const record = this.records[Math.floor(this.random() * this.records.length)] as CsvRecord;
    const instance: Instance = {};
    for (const f of this.profile.features) {
      const text = record[f.name] ?? "";
      if (MISSING.has(text)) instance[f.name] = null;
      else if (f.type === "categorical") instance[f.name] = text;
      else {
        const shift = this.options.drift?.feature === f.name ? this.options.drift.std * f.std : 0;
        instance[f.name] = Math.round((Number(text) + shift) * 100) / 100;
      }
    }
    if (this.random() < this.options.missingRate) {
      const numeric = numericFeatures(this.profile);
      const name = numeric[Math.floor(this.random() * numeric.length)];
      if (name) instance[name] = null;
    }
    return instance;
  }

  rows(count: number): Instance[] {
    return Array.from({ length: count }, () => this.row());
  }
}

/** The numeric features of a profile: the ones a drift can shift. */
export function numericFeatures(profile: ModelProfile): string[] {
  return profile.features.filter((f) => f.type === "numeric").map((f) => f.name);
}
