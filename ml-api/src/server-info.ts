import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./package-root.js";

/** The API's name and version as reported by `GET /v2` and the telemetry resource. */
export const SERVER_NAME = "inferwatch-ml-api";
export const SERVER_VERSION: string = JSON.parse(
  readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8"),
).version;
