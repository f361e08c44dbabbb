import { describe, expect, it } from "vitest";
import { type ApiProcess, spawnInstrumentedApi } from "../support/api-process.js";

/** Starts the instrumented API, collector unreachable, and returns its configuration warnings. */
async function configurationWarnings(env: Record<string, string>): Promise<unknown[]> {
  let api: ApiProcess | undefined;
  try {
    api = await spawnInstrumentedApi({
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      ...env,
    });
    // The warnings are written before the API listens, and spawning waits for its "listening" line.
    return api.logs.filter((l) => l.msg === "telemetry configuration").map((l) => l.warning);
  } finally {
    api?.child.kill("SIGTERM");
    await api?.exited;
  }
}

describe("the SDK's start", () => {
  it("logs what it could not use in the OTEL_* settings, and nothing when they are sound", async () => {
    expect(await configurationWarnings({})).toEqual([]);
    const warnings = await configurationWarnings({
      OTEL_METRICS_EXPORTER: "otlp,statsd",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "carrier-pigeon",
    });
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringContaining("statsd"), expect.stringContaining("carrier-pigeon")]),
    );
  });
});
