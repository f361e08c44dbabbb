import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import type { ModelCard } from "../../ml-api/src/inference/model-card.js";
import { DataError } from "../../ml-api/training/data-error.js";
import { runModelCommand } from "../../ml-api/training/model-command.js";
import {
  addArgs,
  csvRows,
  EXPORTED,
  FIXTURES,
  type Fixture,
  HELDOUT_CSV,
  TRAIN_CSV,
} from "../support/exported-models.js";

// onnx-proto is CommonJS that assigns module.exports whole, so Node's ESM loader only offers the default export.
const { onnx } = onnxProto;
const cli = fileURLToPath(new URL("../../ml-api/training/model-cli.ts", import.meta.url));
const fixture = (name: string) => EXPORTED.find((f) => f.name === name) as Fixture;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "inferwatch-model-command-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The training CSV with `edit` applied to its lines (0 is the header). */
function csv(name: string, edit: (lines: string[]) => string[]): string {
  const path = join(dir, name);
  const lines = readFileSync(TRAIN_CSV, "utf8").trimEnd().split("\n");
  writeFileSync(path, `${edit(lines).join("\n")}\n`);
  return path;
}

async function refusal(args: string[]): Promise<string> {
  try {
    await runModelCommand(args);
  } catch (error) {
    if (error instanceof DataError) return error.message;
    throw error;
  }
  throw new Error("the command succeeded");
}

const withData = (args: string[], data: string) => args.map((a) => (a === TRAIN_CSV ? data : a));

describe("npm run model -- add", () => {
  it("names a column the model needs that the CSV lacks", async () => {
    const data = csv("no-flipper.csv", (lines) =>
      lines.map((l) =>
        l
          .split(",")
          .filter((_, i) => i !== 4)
          .join(","),
      ),
    );
    const args = withData(addArgs(fixture("rf-zipmap"), join(dir, "a")), data);
    expect(await refusal(args)).toContain(
      'has no column "flipper_length_mm", which the model takes as an input',
    );
  });

  it("measures the card's quality on the held-out rows, and on the training rows without them", async () => {
    const regressor = fixture("gbr-regressor");
    const card = async (args: string[], repository: string) => {
      await runModelCommand(args);
      return JSON.parse(
        readFileSync(join(repository, regressor.name, "1", "card.json"), "utf8"),
      ) as ModelCard;
    };
    const withHeldout = await card(addArgs(regressor, join(dir, "h1")), join(dir, "h1"));
    const args = addArgs(regressor, join(dir, "h2"));
    const at = args.indexOf("--heldout");
    const withoutHeldout = await card([...args.slice(0, at), ...args.slice(at + 2)], join(dir, "h2"));
    expect(withHeldout.quality?.rows).toBe(csvRows(HELDOUT_CSV));
    expect(withoutHeldout.quality?.rows).toBe(csvRows(TRAIN_CSV));
    const mae = (c: ModelCard) => (c.quality?.task === "regression" ? c.quality.mae : Number.NaN);
    // A 100-tree ensemble fits its training rows closer than rows it never saw.
    expect(mae(withHeldout)).toBeGreaterThan(mae(withoutHeldout));
  });

  it("names the row and column of a cell that is no number", async () => {
    const data = csv("text.csv", (lines) =>
      lines.map((l, i) => (i === 3 ? l.replace(/,38\.|,\d+\.\d,/, ",n/a,") : l)),
    );
    const args = withData(addArgs(fixture("gbr-regressor"), join(dir, "b")), data);
    expect(await refusal(args)).toMatch(/row 3, column "bill_\w+": "n\/a" is not a number/);
  });

  it("refuses classes that disagree with the model's scores", async () => {
    const args = [...addArgs(fixture("torch-mlp"), join(dir, "c")), "--classes", "Adelie,Gentoo"];
    expect(await refusal(args)).toContain(
      'output "logits" (float32 tensor [N, 3]) gives 3 columns but the profile lists 2 classes',
    );
  });

  it("refuses a label value the classes do not have, naming the row", async () => {
    const data = csv("penguin-x.csv", (lines) =>
      lines.map((l, i) => (i === 7 ? l.replace(/^\w+,/, "Emperor,") : l)),
    );
    const args = withData(addArgs(fixture("pipeline"), join(dir, "d")), data);
    expect(await refusal(args)).toContain('label "species" has "Emperor" in row 7');
  });

  it("names the row a category the graph rejects is on", async () => {
    // The pipeline's encoders made strict, as scikit-learn's handle_unknown="error" exports them.
    const model = onnx.ModelProto.decode(readFileSync(`${FIXTURES}pipeline/model.onnx`));
    for (const node of model.graph?.node ?? []) {
      const zeros = node.attribute?.find((a) => a.name === "zeros");
      if (zeros) zeros.i = 0;
    }
    const strict = join(dir, "strict.onnx");
    writeFileSync(strict, onnx.ModelProto.encode(model).finish());
    const data = csv("atlantis.csv", (lines) =>
      lines.map((l, i) => (i === 5 ? l.replace(/,(Biscoe|Dream|Torgersen),/, ",Atlantis,") : l)),
    );
    const args = withData(addArgs(fixture("pipeline"), join(dir, "e")), data).map((a) =>
      a.endsWith("pipeline/model.onnx") ? strict : a,
    );
    expect(await refusal(args)).toMatch(/the model failed on data row 5 \(.*island="Atlantis"/);
  });

  it("adds a model of the one-hot contract, as the bundled penguins are", async () => {
    const repository = join(dir, "f");
    const version = join(BUNDLED_MODEL_REPOSITORY, "penguins", "2");
    const features =
      "bill_length_mm:numeric,bill_depth_mm:numeric,flipper_length_mm:numeric,body_mass_g:numeric," +
      "island:categorical:Biscoe|Dream|Torgersen";
    const message = await runModelCommand([
      ...["add", "--name", "penguins", "--version", "2", "--repository", repository, "--inputs", "one-hot"],
      ...[
        "--onnx",
        join(version, "model.onnx"),
        "--data",
        join(version, "heldout.csv"),
        "--label",
        "species",
      ],
      ...["--features", features],
    ]);
    expect(message).toContain("classification (Adelie, Chinstrap, Gentoo; probabilities)");
    const card = JSON.parse(
      readFileSync(join(repository, "penguins", "2", "card.json"), "utf8"),
    ) as ModelCard;
    expect(card.signature).toEqual({ task: "classification", inputs: "one-hot", scores: "probabilities" });
    expect(card.quality).toMatchObject({ task: "classification", accuracy: 0.9767441860465116 });
  });

  it("prints one line and exits 2 on a mistake, and documents itself with --help", async () => {
    const run = promisify(execFile);
    const help = await run(process.execPath, ["--import", "tsx", cli, "--help"]);
    expect(help.stdout).toContain("Usage: npm run model -- add");
    const failed = await run(process.execPath, ["--import", "tsx", cli, "add", "--name", "x"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2, stderr: "model: --version is required (see --help)\n" });
  });
});
