import autocannon from "autocannon";

/** The row the benches send, as a V1 instance of the penguins model (it is predicted Gentoo). */
export const SAMPLE_ROW = [45.2, 16.4, 223, 5950, "Biscoe"];

/** `amount` single-row predictions on 16 connections, as the per-request cost benches send them. */
export function singleRowLoad(port: number, amount: number, timeoutSeconds = 10): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/v1/models/penguins:predict`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [SAMPLE_ROW] }),
    connections: 16,
    amount,
    timeout: timeoutSeconds,
  });
}
