/**
 * Grafana's variable substitution for Prometheus queries, as its Prometheus datasource does it, so the
 * end-to-end test sends Prometheus the queries a browser would: template variables (regex-escaped when multi
 * or "All"), `$__interval` from the time range and panel width, `$__rate_interval` from it and the scrape
 * interval, and `$__range`.
 */

/** A variable's chosen value(s). */
export type Chosen =
  | { all: true; allValue?: string; options: string[]; multi: boolean; includeAll: boolean }
  | { all: false; values: string[]; multi: boolean; includeAll: boolean };

export interface Builtins {
  intervalMs: number;
  rateIntervalMs: number;
  rangeMs: number;
}

/** Grafana's kbn.roundInterval: the "nice" interval at or near a raw one. */
export function roundInterval(ms: number): number {
  const steps: [number, number][] = [
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1_500, 1_000],
    [3_500, 2_000],
    [7_500, 5_000],
    [12_500, 10_000],
    [17_500, 15_000],
    [25_000, 20_000],
    [45_000, 30_000],
    [90_000, 60_000],
    [210_000, 120_000],
    [450_000, 300_000],
    [750_000, 600_000],
    [1_050_000, 900_000],
    [1_500_000, 1_200_000],
    [2_700_000, 1_800_000],
    [5_400_000, 3_600_000],
    [9_000_000, 7_200_000],
    [16_200_000, 10_800_000],
    [27_000_000, 21_600_000],
    [39_600_000, 43_200_000],
    [108_000_000, 86_400_000],
    [1_209_600_000, 604_800_000],
  ];
  for (const [below, nice] of steps) if (ms < below) return nice;
  return 2_592_000_000;
}

/**
 * `$__interval`: the range over the panel's data points (its maxDataPoints, else its width in pixels),
 * rounded to a nice interval and never below the datasource's minimum (its scrape interval).
 */
export function intervalMs(rangeMs: number, dataPoints: number, minIntervalMs: number): number {
  return Math.max(roundInterval(rangeMs / dataPoints), minIntervalMs);
}

/** `$__rate_interval`: at least four scrapes, and a step plus one scrape so no step falls between samples. */
export function rateIntervalMs(interval: number, scrapeMs: number): number {
  return Math.max(interval + scrapeMs, 4 * scrapeMs);
}

/** A duration as Prometheus reads it: `1m`, `1m30s`, `2h`. */
export function promDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) out += `${n}${unit}`;
    s -= n * size;
  }
  return out || "0s";
}

/** Prometheus string-literal escaping of a plain value (Grafana's prometheusRegularEscape). */
function regularEscape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/'/g, "\\\\'");
}

/** Regex escaping inside a PromQL string literal (Grafana's prometheusSpecialRegexEscape). */
export function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|{}[\]']/g, (c) => `\\\\${c}`);
}

/** What Grafana writes for a variable in a Prometheus query. */
export function formatChosen(chosen: Chosen): string {
  if (!chosen.multi && !chosen.includeAll) {
    return chosen.all ? "" : regularEscape(chosen.values[0] ?? "");
  }
  if (chosen.all) {
    if (chosen.allValue !== undefined) return chosen.allValue;
    return format(chosen.options);
  }
  return format(chosen.values);
}

function format(values: string[]): string {
  const escaped = values.map(regexEscape);
  return escaped.length === 1 ? (escaped[0] ?? "") : `(${escaped.join("|")})`;
}

/** `$name`, `${name}`, `${name:format}`, `[[name]]`. */
const REFERENCE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g;

export function interpolate(
  expr: string,
  variables: ReadonlyMap<string, Chosen>,
  builtins?: Builtins,
): string {
  const values: Record<string, string> = builtins
    ? {
        __interval: promDuration(builtins.intervalMs),
        __interval_ms: String(builtins.intervalMs),
        __rate_interval: promDuration(builtins.rateIntervalMs),
        __range: promDuration(builtins.rangeMs),
        __range_s: String(Math.round(builtins.rangeMs / 1000)),
        __range_ms: String(builtins.rangeMs),
      }
    : {};
  return expr.replace(REFERENCE, (whole, braced?: string, plain?: string, bracketed?: string) => {
    const name = braced ?? plain ?? bracketed ?? "";
    const builtin = values[name];
    if (builtin !== undefined) return builtin;
    const chosen = variables.get(name);
    return chosen ? formatChosen(chosen) : whole;
  });
}
