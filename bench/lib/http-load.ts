import autocannon from "autocannon";
import { percentile } from "./percentile.js";
import { cpuMicros } from "./process-cpu.js";

/** One load run against a server: throughput, latency of the answered requests, errors, server CPU. */
export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU time per request. */
  cpuMicros: number;
}

/** Runs autocannon with `options` against the server process `pid`. */
export async function httpLoad(pid: number, options: autocannon.Options): Promise<LoadSample> {
  const cpuBefore = cpuMicros(pid);
  // autocannon's own percentiles are whole milliseconds; the 1 ms goal needs the fractions it measures.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(options, (error, done) => (error ? reject(error) : resolve(done))).on(
      "response",
      (_client, status, _bytes, ms) => {
        if (status < 300) latencies.push(ms);
      },
    );
  });
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: result.errors + result.non2xx,
    cpuMicros: (cpuMicros(pid) - cpuBefore) / result.requests.total,
  };
}
