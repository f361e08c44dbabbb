import { describe, expect, it } from "vitest";
import { SLO } from "../../contract/alerting-config.js";
import { BUNDLED_MODEL_REPOSITORY, ConfigError, loadConfig } from "../../ml-api/src/config.js";

describe("configuration from the environment", () => {
  it("defaults to port 8002 and the bundled models", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8002);
    expect(config.MODEL_REPOSITORY).toBe(BUNDLED_MODEL_REPOSITORY);
    expect(config.MAX_BATCH_ROWS).toBe(1024);
  });

  it("reads numbers from strings and ignores unrelated and empty variables", () => {
    const config = loadConfig({ PORT: "9000", MAX_BODY_BYTES: "2048", HOME: "/root", LOG_LEVEL: "" });
    expect(config).toMatchObject({ PORT: 9000, MAX_BODY_BYTES: 2048, LOG_LEVEL: "info" });
    expect(config).not.toHaveProperty("HOME");
  });

  it("lists every invalid setting at once", () => {
    expect(() => loadConfig({ PORT: "70000", SHUTDOWN_TIMEOUT_MS: "-1" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "70000", SHUTDOWN_TIMEOUT_MS: "-1" })).toThrow(
      /PORT must be <= 65535; SHUTDOWN_TIMEOUT_MS must be >= 0/,
    );
  });

  it("keeps the trace of a request as slow as the latency SLO's threshold by default", () => {
    // The API does not import contract/alerting-config.ts: it reads .env.example, which the image lacks.
    expect(loadConfig({}).TRACE_SLOW_SECONDS).toBe(SLO.latencyThresholdSeconds);
  });
});
