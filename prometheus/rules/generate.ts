/** `npm run rules`: writes prometheus/rules/*.yml from the rule code beside this file. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderRuleFile, ruleFiles } from "./rule-files.js";

const here = fileURLToPath(new URL(".", import.meta.url));
for (const file of ruleFiles()) {
  writeFileSync(join(here, file.file), renderRuleFile(file));
  process.stdout.write(`wrote prometheus/rules/${file.file}\n`);
}
