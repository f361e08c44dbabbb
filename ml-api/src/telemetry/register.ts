/**
 * `node --import ./dist/ml-api/src/telemetry/register.js dist/ml-api/src/main.js`: instruments the ML API before
 * it loads. ES modules can only be patched through a loader hook registered before they are imported.
 */
import { register } from "node:module";
import { createAddHookMessageChannel } from "import-in-the-middle";

// Registered bare, the hook wraps every module the API imports, its own included, in a proxy module, and
// calls across modules pay for it; told which modules the instrumentations patch, it wraps only those.
const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, registerOptions);

const { startTelemetry } = await import("./sdk.js");
const telemetry = startTelemetry(process.env);
// The app is imported only after the hook knows every module to wrap.
await waitForAllMessagesAcknowledged();

const { loadConfig } = await import("../config.js");
const { createLogger } = await import("../logger.js");
const { ExportFailureLog } = await import("./export-failure-log.js");
let level: ReturnType<typeof loadConfig>["LOG_LEVEL"] = "info";
try {
  level = loadConfig(process.env).LOG_LEVEL;
} catch {
  // main.ts reports configuration errors; this only picks the log level.
}
const logger = createLogger(level);
for (const warning of telemetry.startupWarnings) logger.warn({ warning }, "telemetry configuration");
telemetry.failures = new ExportFailureLog(logger, Number(process.env.OTEL_METRIC_EXPORT_INTERVAL));
const { onShutdown } = await import("../shutdown-hooks.js");
onShutdown(() => telemetry.shutdown());
