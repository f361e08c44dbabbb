/**
 * `node --import ./dist/ml-api/src/telemetry/register.js dist/ml-api/src/main.js`: instruments the ML API before
 * it loads. ES modules can only be patched through a loader hook registered before they are imported.
 */
import { register } from "node:module";
import { createAddHookMessageChannel } from "import-in-the-middle";

// SDK workaround. Registered bare, the hook wraps every module the API imports, its own included, in a proxy
// module, and calls across modules pay for it; told which modules the instrumentations patch, it wraps only
// those (`npm run bench -- instructions` against a build with the bare hook; docs/performance.md, "SDK
// workarounds"). Upstream: open-telemetry/opentelemetry-js#6984 asks for this include list as the default.
// Can go when @opentelemetry/instrumentation's hook registers with it by itself.
const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, registerOptions);

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
// The app is imported only after the hook knows every module to wrap.
await waitForAllMessagesAcknowledged();

const { createLogger } = await import("../logger.js");
const { ExportFailureLog } = await import("./export-failure-log.js");
const logger = createLogger(config.LOG_LEVEL);
for (const warning of telemetry.startupWarnings) logger.warn({ warning }, "telemetry configuration");
telemetry.failures = new ExportFailureLog(logger, Number(process.env.OTEL_METRIC_EXPORT_INTERVAL));
const { onShutdown } = await import("../shutdown-hooks.js");
onShutdown(() => telemetry.shutdown());
