import autocannon from "autocannon";

/** The row the benches send, as a V1 instance of the penguins model (it is predicted Gentoo). */
export const SAMPLE_ROW = [45.2, 16.4, 223, 5950, "Biscoe"];

function options(port: number, amount: number, connections: number, timeoutSeconds: number) {
  return {
    url: `http://127.0.0.1:${port}/v1/models/penguins:predict`,
    method: "POST" as const,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [SAMPLE_ROW] }),
    connections,
    amount,
    timeout: timeoutSeconds,
  };
}

/** `amount` single-row predictions on 16 connections, as the per-request cost benches send them. */
export function singleRowLoad(port: number, amount: number, timeoutSeconds = 10): Promise<autocannon.Result> {
  return autocannon(options(port, amount, 16, timeoutSeconds));
}

/**
 * `amount` single-row predictions on one connection, each sent when the last is answered, so none waits
 * behind another: the milliseconds of each successful one, with the fractions autocannon's own
 * percentiles round away. Rejects if any failed.
 */
export function loneRequestLatencies(port: number, amount: number): Promise<number[]> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    autocannon(options(port, amount, 1, 10), (error, result) => {
      if (error) reject(error);
      else if (result.errors + result.non2xx > 0)
        reject(new Error(`${result.errors + result.non2xx} failed`));
      else resolve(latencies);
    }).on("response", (_client, status, _bytes, ms) => {
      if (status < 300) latencies.push(ms);
    });
  });
}
