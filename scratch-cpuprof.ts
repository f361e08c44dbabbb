// scratch, not committed: CPU profile of a variant under single-row load
import { spawnListening } from "./test/support/api-process.js";
import { singleRowLoad } from "./bench/lib/single-row-load.js";
import { API_DIST } from "./stack/layout.js";
import { REGISTER_SDK } from "./bench/lib/sdk-variants.js";
const [variant, dir] = process.argv.slice(2);
const sink = await spawnListening("bench/lib/otlp-sink.ts");
const env: Record<string, string> = { LOG_LEVEL: "info", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}` };
if (variant === "production") env.TELEMETRY_PROFILE = "production";
const args = variant === "none" ? [] : REGISTER_SDK;
const api = await spawnListening(API_DIST.main, env, [...args], { startTimeoutMs: 60000 });
await singleRowLoad(api.port, 8000);
const api2 = await spawnListening(API_DIST.main, env, [...args, "--cpu-prof", `--cpu-prof-dir=${dir}`], { startTimeoutMs: 60000 });
api.child.kill("SIGTERM"); await api.exited;
await singleRowLoad(api2.port, 8000);
await singleRowLoad(api2.port, 30000);
api2.child.kill("SIGTERM"); await api2.exited;
sink.child.kill("SIGTERM"); await sink.exited;
