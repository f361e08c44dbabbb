import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderReadme } from "../../ml-api/tools/readme-tables.js";

const ROOT = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");

describe("README", () => {
  it("has the configuration, OpenTelemetry defaults and metric tables the code would render (npm run docs)", () => {
    expect(readme).toBe(renderReadme(readme));
  });

  it("lists every runtime dependency with a reason", () => {
    const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8"));
    for (const name of Object.keys(pkg.dependencies))
      expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\| \\S`));
  });
});
