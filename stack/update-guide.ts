import { readFileSync, writeFileSync } from "node:fs";
import { renderGuide } from "./guide-tables.js";

/** Part of `npm run docs`: rewrites the deployment guide's generated tables. */
const path = new URL("../MONITORING_DEPLOYMENT_GUIDE.md", import.meta.url);
writeFileSync(path, renderGuide(readFileSync(path, "utf8")));
