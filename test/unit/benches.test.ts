import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BENCHES } from "../../bench/benches.js";

const BENCH_DIR = new URL("../../bench/", import.meta.url);
const NOT_BENCHES = new Set(["main.ts", "benches.ts"]);

describe("bench/", () => {
  it("runs every entry point by name, and names no file that is not there", () => {
    const files = readdirSync(BENCH_DIR)
      .filter((f) => f.endsWith(".ts") && !NOT_BENCHES.has(f))
      .map((f) => f.replace(/\.ts$/, ""));
    expect(files.sort()).toEqual(Object.keys(BENCHES).sort());
  });

  it("lists every benchmark in bench/README.md with its command", () => {
    const readme = readFileSync(new URL("README.md", BENCH_DIR), "utf8");
    const missing = Object.keys(BENCHES).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
