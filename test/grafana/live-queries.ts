import {
  type DashboardJson,
  dataPanels,
  type PanelJson,
  type Target,
  variableQuery,
} from "./dashboard-json.js";
import {
  type Builtins,
  type Chosen,
  interpolate,
  intervalMs,
  rateIntervalMs,
} from "./grafana-interpolate.js";

/**
 * Runs a dashboard against a live Prometheus the way Grafana would on first load: resolves its variables
 * from label_values queries (default choice, else the first option in the variable's sort order), then sends
 * each panel's queries with every variable substituted, as range or instant queries over the dashboard's
 * default time range.
 */

/** Grafana's panel width in pixels stands in for maxDataPoints; a 24-column grid on a ~1800 px wide screen. */
const PIXELS_PER_COLUMN = 75;

export interface QueryResult {
  dashboard: string;
  panel: string;
  refId: string;
  /** The query as sent. */
  expr: string;
  series: number;
  error?: string;
}

/** A Prometheus API call; queries go as POST (long expressions), the label values endpoint only takes GET. */
async function api<T>(
  base: string,
  path: string,
  params: Record<string, string>,
  method = "POST",
): Promise<T> {
  const url = new URL(path, base);
  const body = new URLSearchParams(params);
  if (method === "GET") url.search = body.toString();
  const res = await fetch(url, {
    method,
    ...(method === "POST" ? { headers: { "content-type": "application/x-www-form-urlencoded" }, body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as { status: string; data: T; error?: string };
  if (json.status !== "success") throw new Error(json.error ?? `HTTP ${res.status}`);
  return json.data;
}

/** `now-1h` -> 3 600 000. */
export function relativeMs(from: string): number {
  const m = /^now-(\d+)([smhdw])$/.exec(from);
  if (!m) throw new Error(`time range ${from} is not now-N<unit>`);
  const size = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(m[1]) * size * 1000;
}

export class LiveDashboard {
  readonly variables = new Map<string, Chosen>();
  readonly rangeMs: number;
  /** Variables that found no value in Prometheus: every query using them is empty. */
  readonly empty: string[] = [];

  constructor(
    readonly dashboard: DashboardJson,
    private readonly prometheusUrl: string,
    private readonly scrapeMs: number,
  ) {
    this.rangeMs = relativeMs(dashboard.time.from);
  }

  /** Resolves every query variable in order, each seeing the ones before it. */
  async resolveVariables(nowMs: number): Promise<void> {
    this.variables.clear();
    this.empty.length = 0;
    for (const variable of this.dashboard.templating.list) {
      if (variable.type !== "query") continue;
      const query = interpolate(variableQuery(variable), this.variables);
      const m = /^label_values\((.+),\s*(\w+)\)$/s.exec(query);
      if (!m?.[1] || !m[2]) throw new Error(`variable ${variable.name}: unsupported query ${query}`);
      const options = await api<string[]>(
        this.prometheusUrl,
        `/api/v1/label/${m[2]}/values`,
        { "match[]": m[1], start: String((nowMs - this.rangeMs) / 1000), end: String(nowMs / 1000) },
        "GET",
      );
      options.sort((a, b) => (variable.sort === 2 ? b.localeCompare(a) : a.localeCompare(b)));
      if (options.length === 0) this.empty.push(variable.name);
      const multi = variable.multi ?? false;
      const includeAll = variable.includeAll ?? false;
      const current = variable.current?.value;
      if (includeAll && (current === "$__all" || (Array.isArray(current) && current.includes("$__all")))) {
        this.variables.set(variable.name, {
          all: true,
          options,
          multi,
          includeAll,
          ...(variable.allValue !== undefined ? { allValue: variable.allValue } : {}),
        });
      } else {
        const wanted = typeof current === "string" && options.includes(current) ? current : options[0];
        this.variables.set(variable.name, { all: false, values: wanted ? [wanted] : [], multi, includeAll });
      }
    }
  }

  /** The panel's time range: its own relative time (`timeFrom`) where it has one, else the dashboard's. */
  panelRangeMs(panel: PanelJson): number {
    return panel.timeFrom ? relativeMs(`now-${panel.timeFrom}`) : this.rangeMs;
  }

  builtins(panel: PanelJson): Builtins {
    const rangeMs = this.panelRangeMs(panel);
    const points = panel.maxDataPoints ?? (panel.gridPos?.w ?? 24) * PIXELS_PER_COLUMN;
    const interval = intervalMs(rangeMs, points, this.scrapeMs);
    return {
      intervalMs: interval,
      rateIntervalMs: rateIntervalMs(interval, this.scrapeMs),
      rangeMs,
    };
  }

  expr(panel: PanelJson, target: Target): string {
    return interpolate(target.expr, this.variables, this.builtins(panel));
  }

  /** Runs one query as Grafana would: range queries on the step grid, instant ones at the end. */
  async run(panel: PanelJson, target: Target, nowMs: number): Promise<QueryResult> {
    const expr = this.expr(panel, target);
    const result: QueryResult = {
      dashboard: this.dashboard.uid,
      panel: panel.title ?? "",
      refId: target.refId,
      expr,
      series: 0,
    };
    const stepMs = this.builtins(panel).intervalMs;
    const end = Math.floor(nowMs / stepMs) * stepMs;
    try {
      if (target.instant) {
        const data = await api<{ result: unknown[] }>(this.prometheusUrl, "/api/v1/query", {
          query: expr,
          time: String(nowMs / 1000),
        });
        result.series = data.result.length;
      } else {
        const data = await api<{ result: unknown[] }>(this.prometheusUrl, "/api/v1/query_range", {
          query: expr,
          start: String(Math.floor((nowMs - this.panelRangeMs(panel)) / stepMs) * (stepMs / 1000)),
          end: String(end / 1000),
          step: String(stepMs / 1000),
        });
        result.series = data.result.length;
      }
    } catch (error) {
      result.error = (error as Error).message;
    }
    return result;
  }

  /** Exemplars a query's selectors carry over the dashboard's range, as Grafana asks for them. */
  async exemplars(panel: PanelJson, target: Target, nowMs: number): Promise<Record<string, string>[]> {
    const data = await api<{ exemplars: { labels: Record<string, string> }[] }[]>(
      this.prometheusUrl,
      "/api/v1/query_exemplars",
      {
        query: this.expr(panel, target),
        start: String((nowMs - this.panelRangeMs(panel)) / 1000),
        end: String(nowMs / 1000),
      },
    );
    return data.flatMap((s) => s.exemplars.map((e) => e.labels));
  }

  panels(): PanelJson[] {
    return dataPanels(this.dashboard);
  }
}
