import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CategoricalFeatureProfile, ModelProfile } from "../../ml-api/src/inference/profile.js";
import { DataError } from "../../ml-api/training/data-error.js";
import { runProfileCommand } from "../../ml-api/training/profile-command.js";

// The committed penguins v2 model stands in for "your own model": four numerics and island.
const model = fileURLToPath(new URL("../../ml-api/models/penguins/2/model.onnx", import.meta.url));
const cli = fileURLToPath(new URL("../../ml-api/training/profile-cli.ts", import.meta.url));
const features =
  "bill_length_mm:numeric,bill_depth_mm:numeric,flipper_length_mm:numeric,body_mass_g:numeric," +
  "island:categorical:Biscoe|Dream|Torgersen";
const csv = `species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g
Adelie,Dream,39.5,17.4,186,3800
Adelie,Dream,36.7,19.3,193,3450
Chinstrap,Dream,46.5,17.9,192,3500
Chinstrap,Dream,50.0,19.5,196,3900
Gentoo,Biscoe,46.1,13.2,211,4500
Gentoo,Biscoe,NA,,,
`;

let dir: string;
let csvPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "inferwatch-profile-"));
  csvPath = join(dir, "train.csv");
  writeFileSync(csvPath, csv);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run profile", () => {
  it("profiles the user's CSV and records their model's confidence on it", async () => {
    const out = join(dir, "profile.json");
    const message = await runProfileCommand([
      ...["--csv", csvPath, "--features", features, "--label", "species"],
      ...["--model", model, "--out", out],
    ]);
    expect(message).toContain("classes Adelie, Chinstrap, Gentoo, 6 rows");
    const profile = JSON.parse(readFileSync(out, "utf8")) as ModelProfile;
    expect(profile.trainingRows).toBe(6);
    expect(profile.classShares).toEqual({ Adelie: 2 / 6, Chinstrap: 2 / 6, Gentoo: 2 / 6 });
    expect(profile.features.map((f) => f.name)).toEqual([
      "bill_length_mm",
      "bill_depth_mm",
      "flipper_length_mm",
      "body_mass_g",
      "island",
    ]);
    expect(profile.features[0]).toMatchObject({ validRange: { min: 36.7, max: 50 }, missingShare: 1 / 6 });
    const island = profile.features[4] as CategoricalFeatureProfile;
    expect(island.categories).toEqual(["Biscoe", "Dream", "Torgersen"]);
    expect(island.shares).toEqual({ Biscoe: 2 / 6, Dream: 4 / 6, Torgersen: 0 });
    expect(profile.confidence.cumulativeShares.at(-1)).toBe(1);
    expect(profile.confidence.mean).toBeGreaterThan(1 / 3);
    expect(profile.confidence.mean).toBeLessThanOrEqual(1);
  });

  it("refuses to build a profile without the model", async () => {
    const args = [
      "--csv",
      csvPath,
      "--features",
      features,
      "--label",
      "species",
      "--out",
      join(dir, "p.json"),
    ];
    await expect(runProfileCommand(args)).rejects.toThrow(/--model is required/);
  });

  it("reports a model whose input width disagrees with the features", async () => {
    const args = [
      ...["--csv", csvPath, "--features", "bill_length_mm:numeric", "--label", "species"],
      ...["--model", model, "--out", join(dir, "p.json")],
    ];
    await expect(runProfileCommand(args)).rejects.toThrow(DataError);
    await expect(runProfileCommand(args)).rejects.toThrow(/rejected a \[6, 1\] "features" input/);
  });

  it("exits with status 2 and one readable line on a usage error", async () => {
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", cli, "--csv", csvPath]);
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: "profile: --features is required (see --help)\n",
    });
  });
});
