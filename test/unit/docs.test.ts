import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DOC_PAGES, renderPage } from "../../ml-api/tools/doc-tables.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "MONITORING_DEPLOYMENT_GUIDE.md",
  "bench/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("docs", () => {
  it.each(Object.keys(DOC_PAGES))("%s has the tables the code would render (npm run docs)", (page) => {
    const text = read(page);
    expect(text).toBe(renderPage(page, text));
  });

  it("README stays a front door of about 150 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(170);
  });

  it("links only to files that exist", () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const [, target] of read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(page), target))) broken.push(`${page} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("lists every runtime dependency with a reason", () => {
    const architecture = read("docs/architecture.md");
    const pkg = JSON.parse(read("package.json"));
    const missing = Object.keys(pkg.dependencies).filter(
      (name) => !new RegExp(`\\| \`${name}\` \\| \\S`).test(architecture),
    );
    expect(missing).toEqual([]);
  });
});
