import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUNDLED_MODEL_REPOSITORY, CONFIG_SCHEMA } from "../../ml-api/src/config.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(`${ROOT}/README.md`, "utf8");

describe("README", () => {
  it("documents every setting with its real default and description", () => {
    const table = readme.split("<!-- config-table")[1]?.split("<!-- /config-table -->")[0] ?? "";
    const documented = table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split("|").map((cell) => cell.trim().replace(/^`|`$/g, "")))
      .map(([, name, def, meaning]) => ({ name, def, meaning }));
    const expected = Object.entries(CONFIG_SCHEMA.properties).map(([name, schema]) => ({
      name,
      def: name === "MODEL_REPOSITORY" ? relative(ROOT, BUNDLED_MODEL_REPOSITORY) : String(schema.default),
      meaning: schema.description,
    }));
    expect(documented).toEqual(expected);
  });

  it("lists every runtime dependency with a reason", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8"));
    for (const name of Object.keys(pkg.dependencies))
      expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\| \\S`));
  });
});
