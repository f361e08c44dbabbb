import { join } from "node:path";
import type { StackSettings } from "./components.js";
import { envExample } from "./env-example.js";
import { stackDir } from "./layout.js";
import type { Ports } from "./ports.js";

/**
 * What `npm run stack` starts the stack with: the committed intervals and timers, the built API, secrets
 * from alertmanager/secrets/ and alert email to its own Mailpit. A test that must behave as a newcomer's
 * stack starts from here, changing only where it runs.
 */
export function npmRunStackSettings(ports: Ports, env: NodeJS.ProcessEnv = process.env): StackSettings {
  return {
    ports,
    runDir: join(stackDir(env), "run"),
    api: "dist",
    tuning: {},
    retention: env.INFERWATCH_PROMETHEUS_RETENTION || envExample("INFERWATCH_PROMETHEUS_RETENTION"),
    apiEnv: {},
  };
}
