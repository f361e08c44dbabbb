import type { StackSettings } from "./components.js";
import { envExample } from "./env-example.js";

/**
 * What `npm run stack` starts the stack with, wherever it runs: the committed intervals and timers, the
 * built API, and (StackSettings.alertmanager unset) secrets from alertmanager/secrets/ and alert email to
 * the stack's Mailpit. A test that must behave as a newcomer's stack starts from here.
 */
export function npmRunStackSettings(
  env: NodeJS.ProcessEnv = process.env,
): Omit<StackSettings, "ports" | "runDir"> {
  return {
    api: "dist",
    tuning: {},
    retention: env.INFERWATCH_PROMETHEUS_RETENTION || envExample("INFERWATCH_PROMETHEUS_RETENTION"),
    apiEnv: {},
  };
}
