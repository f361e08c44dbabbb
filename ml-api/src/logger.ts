import { type Logger, pino } from "pino";
import type { Config } from "./config.js";
import { SERVER_NAME } from "./server-info.js";

/** JSON logs on stdout, one line per event, for whatever collects container logs. */
export function createLogger(level: Config["LOG_LEVEL"]): Logger {
  return pino({ level, base: { service: SERVER_NAME } });
}
