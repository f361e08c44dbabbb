/** The few Prometheus HTTP API calls the end-to-end tests make. */

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** An alerting rule as the rules API reports it. */
export interface AlertingRuleState {
  name: string;
  state: "inactive" | "pending" | "firing";
  alerts: { labels: Record<string, string>; state: string }[];
}

export interface RuleGroupState {
  name: string;
  file: string;
  /** When the group was last evaluated, in seconds since the epoch. */
  lastEvaluation: number;
  rules: AlertingRuleState[];
}

export class PrometheusApi {
  constructor(private readonly baseUrl: string) {}

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  /** An instant query's vector result. */
  async query(promql: string): Promise<Sample[]> {
    const data = await this.get<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>("/api/v1/query", { query: promql });
    if (data.resultType !== "vector") throw new Error(`${promql}: ${data.resultType}, not a vector`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /**
   * The first sample within the last `range` (a PromQL duration) of each series `selector` selects: a float's
   * value, or a native histogram's count.
   */
  async firstSamples(selector: string, range: string): Promise<Sample[]> {
    type Points<T> = [number, T][] | undefined;
    const data = await this.get<{
      resultType: string;
      result: {
        metric: Record<string, string>;
        values?: Points<string>;
        histograms?: Points<{ count: string }>;
      }[];
    }>("/api/v1/query", { query: `${selector}[${range}]` });
    if (data.resultType !== "matrix") throw new Error(`${selector}: ${data.resultType}, not a matrix`);
    return data.result.map((r) => {
      const points = [
        ...(r.values ?? []).map(([t, v]) => [t, Number(v)] as const),
        ...(r.histograms ?? []).map(([t, h]) => [t, Number(h.count)] as const),
      ].sort((a, b) => a[0] - b[0]);
      return { metric: r.metric, value: points[0]?.[1] ?? Number.NaN };
    });
  }

  /** Every metric name Prometheus holds. */
  async metricNames(): Promise<Set<string>> {
    return new Set(await this.get<string[]>("/api/v1/label/__name__/values", {}));
  }

  /** Exemplars of the series `selector` selects over the last `seconds`. */
  async exemplars(selector: string, seconds = 600): Promise<ExemplarSeries[]> {
    const end = Date.now() / 1000;
    return this.get<ExemplarSeries[]>("/api/v1/query_exemplars", {
      query: selector,
      start: String(end - seconds),
      end: String(end),
    });
  }

  /** The alerting rules, by group, with their state and when each group was last evaluated. */
  async alertingRules(): Promise<RuleGroupState[]> {
    const data = await this.get<{
      groups: { name: string; file: string; lastEvaluation: string; rules: AlertingRuleState[] }[];
    }>("/api/v1/rules", { type: "alert" });
    return data.groups.map((g) => ({ ...g, lastEvaluation: Date.parse(g.lastEvaluation) / 1000 }));
  }
}
