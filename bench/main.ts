import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BENCHES, type BenchName } from "./benches.js";

/** `npm run bench -- <name> [options]`: builds the API when the benchmark runs it, then runs the benchmark. */
const [name, ...args] = process.argv.slice(2);

if (name === undefined || !(name in BENCHES)) {
  const rows = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(18)} ${b.question}`);
  process.stderr.write(
    `${name === undefined ? "" : `no benchmark "${name}"\n\n`}usage: npm run bench -- <name> [options]\n\n${rows.join("\n")}\n\nbench/README.md has each one's options and latest result.\n`,
  );
  process.exit(name === undefined ? 0 : 2);
}

const bench = BENCHES[name as BenchName];
if (bench.build) execFileSync("npm", ["run", "build"], { stdio: "inherit" });
const entry = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
const run = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], { stdio: "inherit" });
process.exit(run.status ?? 1);
