import { RANGE, RATE_INTERVAL, type Scope, sumBy } from "../../contract/promql.js";
import {
  DASHBOARD_INTERVAL,
  keptLabels,
  RECORDED,
  type RecordedKey,
  recordName,
} from "../../contract/recorded-series.js";

/**
 * Panel queries over the dashboards' recording rules (contract/recorded-series.ts), which record
 * once a minute: rates and increases over exactly that minute, so a panel averages the samples in its own
 * `$__rate_interval` and shows what the raw rate would (increases as events per minute); quantiles over 5 minutes, of which a panel
 * shows the highest in each interval. Recorded series keep `job` and the labels the rule names: where they
 * keep no `instance`, the dashboard's instance choice does not narrow them.
 */

/** `record{job=~"$job", [instance=~"$instance",] ...matchers}`: the instance only where the rule keeps it. */
export function recordedSel(key: RecordedKey, scope: Scope, ...matchers: string[]): string {
  const spec = RECORDED[key];
  const all = [
    `job=~"$${scope.job}"`,
    ...(spec.by.includes("instance") ? [`instance=~"$${scope.instance}"`] : []),
    ...matchers,
  ];
  return `${recordName(spec)}{${all.join(", ")}}`;
}

function checkKept(key: RecordedKey, by: readonly string[]) {
  const missing = by.filter((l) => l !== "job" && !keptLabels(RECORDED[key]).includes(l));
  if (missing.length > 0) throw new Error(`${recordName(RECORDED[key])} keeps no ${missing.join(", ")}`);
}

/** Per-second rate by `by`, averaged over the panel's interval. */
export function recordedRate(key: RecordedKey, scope: Scope, by: readonly string[], ...matchers: string[]) {
  checkKept(key, by);
  return sumBy(by, `avg_over_time(${recordedSel(key, scope, ...matchers)}[${RATE_INTERVAL}])`);
}

/**
 * Events per minute by `by`, averaged over the panel's interval: the recorded increases are per minute, and
 * their mean is exact where a sum would count only the whole minutes inside `$__rate_interval`.
 */
export function recordedPerMinute(
  key: RecordedKey,
  scope: Scope,
  by: readonly string[],
  ...matchers: string[]
) {
  if (DASHBOARD_INTERVAL !== "1m")
    throw new Error(`recorded increases are per ${DASHBOARD_INTERVAL}, not minute`);
  checkKept(key, by);
  return sumBy(by, `avg_over_time(${recordedSel(key, scope, ...matchers)}[${RATE_INTERVAL}])`);
}

/**
 * Events by `by` over the dashboard's whole range, summed from anchored minute increases, which add up to
 * the counters' growth exactly (an extrapolated one would not): the minutes whose recorded end falls in the
 * range, so the count runs up to a minute plus the rule's query offset behind the range's end.
 */
export function recordedCount(key: RecordedKey, scope: Scope, by: readonly string[], ...matchers: string[]) {
  const spec = RECORDED[key];
  if (spec.kind !== "increase" || spec.anchored !== true)
    throw new Error(`${recordName(spec)} is no anchored increase: its minutes do not add up exactly`);
  checkKept(key, by);
  return sumBy(by, `sum_over_time(${recordedSel(key, scope, ...matchers)}[${RANGE}])`);
}

/** The highest recorded 5-minute q-quantile within the panel's interval, by `by`. */
export function recordedQuantile(
  key: RecordedKey,
  q: number,
  scope: Scope,
  by: readonly string[],
  ...matchers: string[]
) {
  checkKept(key, by);
  const sel = recordedSel(key, scope, `quantile="${q}"`, ...matchers);
  return `max by (${by.join(", ")}) (max_over_time(${sel}[${RATE_INTERVAL}]))`;
}

/** A recorded gauge, aggregated by `by` with `aggregation`. */
export function recordedGauge(
  key: RecordedKey,
  aggregation: "max" | "sum",
  scope: Scope,
  by: readonly string[],
  ...matchers: string[]
) {
  checkKept(key, by);
  return `${aggregation} by (${by.join(", ")}) (${recordedSel(key, scope, ...matchers)})`;
}
