/** The Palmer penguins table shipped by the npm package vega-datasets, as generic rows. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError } from "./data-error.js";
import type { Row } from "./feature-spec.js";

export const PENGUINS_LABEL = "species";

interface RawPenguin {
  Species: string;
  Island: string | null;
  "Beak Length (mm)": number | null;
  "Beak Depth (mm)": number | null;
  "Flipper Length (mm)": number | null;
  "Body Mass (g)": number | null;
  Sex: string | null;
}

export interface PenguinsTable {
  rows: Row[];
  /** Package and version the rows came from, for the model card. */
  source: string;
}

export function loadPenguins(): PenguinsTable {
  const dir = packageDir("vega-datasets");
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  const raw = JSON.parse(readFileSync(join(dir, "data", "penguins.json"), "utf8")) as RawPenguin[];
  return { rows: raw.map(toRow), source: `npm vega-datasets@${version}, data/penguins.json` };
}

/**
 * The package's `exports` map does not expose its data files, so resolve its entry point and walk up to the
 * folder holding its package.json; that also finds it when npm hoists or nests node_modules.
 */
function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === name) return dir;
    } catch {
      // No package.json at this level: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) throw new DataError(`cannot find the folder of package ${name}`);
    dir = parent;
  }
}

/**
 * The dataset calls the bill "Beak"; the feature names are the standard palmerpenguins ones (bill_length_mm,
 * ...), so the model reads like every other penguins example.
 */
function toRow(raw: RawPenguin): Row {
  return {
    species: raw.Species,
    island: raw.Island,
    bill_length_mm: raw["Beak Length (mm)"],
    bill_depth_mm: raw["Beak Depth (mm)"],
    flipper_length_mm: raw["Flipper Length (mm)"],
    body_mass_g: raw["Body Mass (g)"],
    // One record has "." for sex, a data-entry error in the source; it means unknown.
    sex: raw.Sex === "." ? null : raw.Sex,
  };
}
