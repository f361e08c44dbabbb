import { readFileSync } from "node:fs";

/** The API's name and version as reported by `GET /v2` and the telemetry resource. */
export const SERVER_NAME = "inferwatch-ml-api";
export const SERVER_VERSION: string = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;
