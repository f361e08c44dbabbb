import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { API_JOB } from "../../prometheus/rules/pipeline-alerts.js";

/** What the rule cases (rule-cases.ts, quality-rule-cases.ts) share: the source's labels and series shapes. */

export const JOB = `job="${API_JOB}"`;
const INSTANCE = `instance="10.0.0.1:8002"`;
export const API = `${JOB}, ${INSTANCE}`;
export const INFER_ROUTE = `http_route="${HTTP_ROUTES.v2Infer.template}", http_request_method="POST"`;
export const MODEL = `model_name="penguins", model_version="2"`;
export const REGRESSOR = `model_name="body-mass", model_version="1"`;

/** An expression's values to six decimals: promtool compares floats exactly (0.235 vs 0.23499999999999999). */
export const rounded = (expr: string) => `round((\n${expr}\n) * 1e6) / 1e6`;

/** A counter growing by `perStep` for `steps` intervals. */
export const grows = (perStep: number, steps: number) => `0+${perStep}x${steps}`;
/** A value held for `steps` intervals. */
export const flat = (value: number, steps: number) => `${value}x${steps}`;

export const DEPENDS = { depends_on: "ml-api-telemetry" };

/** Observations per interval at each bound of a histogram (`Infinity`: above every bound). */
export type Observations = readonly (readonly [bound: number, count: number])[];

/**
 * One sample of a native histogram with custom buckets, as Prometheus stores a pushed explicit-bucket
 * histogram, in promtool's notation (schema -53; `custom_values` are the bounds, +Inf implied).
 */
function nhcb(bounds: readonly number[], observations: Observations, sum: number): string {
  const buckets: number[] = new Array(bounds.length + 1).fill(0);
  for (const [bound, count] of observations) {
    const i = bound === Number.POSITIVE_INFINITY ? bounds.length : bounds.indexOf(bound);
    if (i < 0) throw new Error(`${bound} is no bound of [${bounds.join(", ")}]`);
    buckets[i] = (buckets[i] ?? 0) + count;
  }
  const count = buckets.reduce((a, b) => a + b, 0);
  // Only the buckets from the first to the last that hold anything, as Prometheus stores them: promtool
  // weighs a histogram sample by its buckets against its limit on samples a query may load.
  const first = buckets.findIndex((b) => b > 0);
  const last = buckets.length - 1 - [...buckets].reverse().findIndex((b) => b > 0);
  const held = first < 0 ? "" : ` offset:${first} buckets:[${buckets.slice(first, last + 1).join(" ")}]`;
  return `{{schema:-53 sum:${sum} count:${count} custom_values:[${bounds.join(" ")}]${held}}}`;
}

/** A native histogram starting empty and taking `observations` (summing to `sumPerStep`) each interval. */
export const histogramGrows = (
  bounds: readonly number[],
  observations: Observations,
  steps: number,
  sumPerStep = 0,
) => `${nhcb(bounds, [], 0)}+${nhcb(bounds, observations, sumPerStep)}x${steps}`;

/**
 * A count written with `grows`, `flat` and numbers (`a+bxn`, `axn`, `a`, `_`, space-separated) as a native
 * histogram whose count follows it, every observation at or below the first of `bounds`: for rules that read
 * only the count and sum. `sums`, written alike token for token, gives the sum (0 without). Only that bound is
 * written: promtool weighs a histogram sample by its size (its bounds included) against the samples a query
 * may load, and hours of 15 s samples would pass that limit.
 */
export function countsAsHistogram(values: string, bounds: readonly number[], sums?: string): string {
  const first = bounds.slice(0, 1);
  const h = (count: number, sum: number) => nhcb(first, [[first[0] ?? Number.POSITIVE_INFINITY, count]], sum);
  const parse = (token: string) => {
    const m = /^([\d.]+)(?:(?:\+([\d.]+))?x(\d+))?$/.exec(token);
    if (!m) throw new Error(`${token}: not a value written by grows or flat`);
    const [, start, step, n] = m;
    return { start: Number(start), step: step === undefined ? undefined : Number(step), n };
  };
  const sumTokens = sums?.split(" ");
  return values
    .split(" ")
    .map((token, i) => {
      const sumToken = sumTokens?.[i];
      if (sumTokens !== undefined && sumToken === undefined)
        throw new Error(`${sums}: fewer values than ${values}`);
      if (token === "_") return token;
      const c = parse(token);
      const s =
        sumToken === undefined
          ? { start: 0, step: c.step === undefined ? undefined : 0, n: c.n }
          : parse(sumToken);
      if (s.n !== c.n || (s.step === undefined) !== (c.step === undefined))
        throw new Error(`${sumToken} does not pair with ${token}`);
      if (c.n === undefined) return h(c.start, s.start);
      return c.step === undefined
        ? `${h(c.start, s.start)}x${c.n}`
        : `${h(c.start, s.start)}+${h(c.step, s.step ?? 0)}x${c.n}`;
    })
    .join(" ");
}
