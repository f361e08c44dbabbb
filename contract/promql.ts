/**
 * PromQL pieces the dashboards share. Every selector is scoped to a source through its `job` and `instance`
 * template variables, so no query hard-codes either and every panel follows the dashboard's choices.
 */

/** The template variables that pick one source of metrics: a job and its instances. */
export interface Scope {
  job: string;
  instance: string;
}

/** Grafana's range for rate(): at least four scrape intervals, and grows with the panel's step. */
export const RATE_INTERVAL = "$__rate_interval";
/** The dashboard's whole time range, for totals over what is on screen. */
export const RANGE = "$__range";

/** `metric{job=~"$job", instance=~"$instance", ...matchers}`. */
export function sel(metric: string, scope: Scope, ...matchers: string[]): string {
  const all = [`job=~"$${scope.job}"`, `instance=~"$${scope.instance}"`, ...matchers];
  return `${metric}{${all.join(", ")}}`;
}

/** `rate(selector[$__rate_interval])`. */
export function rate(selector: string): string {
  return `rate(${selector}[${RATE_INTERVAL}])`;
}

/** `increase(selector[range])`, by default over one rate interval. */
export function increase(selector: string, range: string = RATE_INTERVAL): string {
  return `increase(${selector}[${range}])`;
}

/** `sum by (labels) (expr)`; `sum (expr)` without labels. */
export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length > 0 ? `sum by (${labels.join(", ")}) (${expr})` : `sum (${expr})`;
}

/** The q-quantile of a native histogram's rate, by the given labels. */
export function quantile(
  q: number,
  histogram: string,
  scope: Scope,
  by: readonly string[],
  ...matchers: string[]
) {
  return `histogram_quantile(${q}, ${sumBy(by, rate(sel(histogram, scope, ...matchers)))})`;
}

/**
 * Observations per second above `bound` in `histogram` (a native histogram's rate, summed as wanted): exact
 * when `bound` is a bucket bound. `histogram_fraction` of an empty histogram is NaN; this gives 0 instead, so
 * that sums over time of it stay numbers.
 */
export function countAbove(bound: number, histogram: string): string {
  return `(\n  histogram_fraction(${bound}, +Inf, ${histogram})\n  * (histogram_count(${histogram}) > 0)\n  or\n  histogram_count(${histogram})\n)`;
}

/**
 * Observations at or below `bound` in `histogram`, as countAbove: a classic cumulative bucket's count, 0 for
 * an empty histogram.
 */
export function countAtOrBelow(bound: number, histogram: string): string {
  return `(\n  histogram_fraction(-Inf, ${bound}, ${histogram})\n  * (histogram_count(${histogram}) > 0)\n  or\n  histogram_count(${histogram})\n)`;
}
