import autocannon from "autocannon";
import { CLASSIFIER } from "../../test/support/served-models.js";
import type { BenchModel } from "./bench-model.js";

/** The row the benches send, as a V1 instance of the penguins model (it is predicted Gentoo). */
export const SAMPLE_ROW = [45.2, 16.4, 223, 5950, "Biscoe"];

/** The model a load predicts with, unless it names another. */
export const PENGUINS = { name: CLASSIFIER, row: SAMPLE_ROW };

type Target = Pick<BenchModel, "name" | "row">;

function options(
  port: number,
  amount: number,
  connections: number,
  timeoutSeconds: number,
  model: Target = PENGUINS,
) {
  return {
    url: `http://127.0.0.1:${port}/v1/models/${model.name}:predict`,
    method: "POST" as const,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [model.row] }),
    connections,
    amount,
    timeout: timeoutSeconds,
  };
}

/** `amount` single-row predictions on 16 connections, as the per-request cost benches send them. */
export function singleRowLoad(
  port: number,
  amount: number,
  timeoutSeconds = 10,
  model?: Target,
): Promise<autocannon.Result> {
  return autocannon(options(port, amount, 16, timeoutSeconds, model));
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
