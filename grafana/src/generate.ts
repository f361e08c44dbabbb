/** `npm run dashboards`: writes the provisioned dashboards, provisioning files and grafana.ini under grafana/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { artefacts } from "./artefacts.js";

const GRAFANA_DIR = fileURLToPath(new URL("..", import.meta.url));

for (const [path, content] of artefacts()) {
  const target = join(GRAFANA_DIR, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  process.stdout.write(`wrote grafana/${path}\n`);
}
