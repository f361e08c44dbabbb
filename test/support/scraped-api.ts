import { type ApiProcess, spawnInstrumentedApi } from "./api-process.js";
import { freePort } from "./free-port.js";
import type { Sample } from "./prometheus-text.js";

export interface ScrapedApi extends ApiProcess {
  /** The API's local Prometheus endpoint. */
  metricsUrl: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * The API as production runs it (SDK loaded) with its metrics also on a local Prometheus endpoint on a free
 * port, for tests that read what it emits. `env` adds settings; naming OTEL_METRICS_EXPORTER keeps the
 * endpoint only if it lists `prometheus`.
 */
export async function spawnScrapedApi(env: Record<string, string> = {}): Promise<ScrapedApi> {
  const promPort = await freePort();
  const api = await spawnInstrumentedApi({
    OTEL_METRICS_EXPORTER: "prometheus",
    ...env,
    OTEL_EXPORTER_PROMETHEUS_HOST: "127.0.0.1",
    OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
  });
  return {
    ...api,
    metricsUrl: `http://127.0.0.1:${promPort}/metrics`,
    stop: async () => {
      api.child.kill("SIGTERM");
      await api.exited;
    },
  };
}

/**
 * The series named with one of `prefixes`, as sorted keys, to compare before and after; histogram buckets
 * (their `_count` stands for them) and the drift-window gauges are left out.
 */
export function seriesKeys(samples: Sample[], prefixes: readonly string[]): string[] {
  return samples
    .filter((s) => prefixes.some((p) => s.name.startsWith(p)))
    .filter((s) => !s.name.endsWith("_bucket") && !s.name.includes("drift_window"))
    .map((s) => `${s.name}${JSON.stringify(s.labels)}`)
    .sort();
}
