/**
 * `node --import ./dist/ml-api/src/telemetry/register.js dist/ml-api/src/main.js`: instruments the ML API before
 * it loads. ES modules can only be patched through a loader hook registered before they are imported.
 */
import { register } from "node:module";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

const { loadConfig } = await import("../config.js");
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch {
  // main.ts reports configuration errors and exits; until then the defaults serve.
  config = loadConfig({});
}
const { startTelemetry } = await import("./sdk.js");
const telemetry = startTelemetry(process.env, config);

const { createLogger } = await import("../logger.js");
const { ExportFailureLog } = await import("./export-failure-log.js");
const logger = createLogger(config.LOG_LEVEL);
for (const warning of telemetry.startupWarnings) logger.warn({ warning }, "telemetry configuration");
telemetry.failures = new ExportFailureLog(logger, Number(process.env.OTEL_METRIC_EXPORT_INTERVAL));
const { onShutdown } = await import("../shutdown-hooks.js");
onShutdown(() => telemetry.shutdown());
