import { SLO, type SloTargets } from "../../contract/alerting-config.js";
import { countAtOrBelow } from "../../contract/promql.js";
import {
  ANCHORED_QUERY_OFFSET,
  DASHBOARD_INTERVAL,
  QUANTILE_WINDOW,
  RECORDED,
  type RecordedSpec,
  recordName,
} from "../../contract/recorded-series.js";
import { sloEventsName } from "../../contract/slo-series.js";
import { list, type RecordingRule, type RuleGroup } from "./rule-model.js";
import { slis } from "./slo-rules.js";

/**
 * Recording rules the dashboards read (contract/recorded-series.ts names them), so that every panel answers
 * within 200 ms over a week of a ten-replica deployment (bench/dashboard-queries.ts measures it). Raw, a
 * week of one panel's series is millions of samples; these keep only the labels the panel shows (and `job`,
 * and model and version where a dashboard picks them), and run once a minute instead of at every scrape.
 *
 * Rates and increases are over one evaluation interval, so consecutive samples tile time: a panel averages
 * (rates) or sums (increases) the samples within its own interval and gets the raw query's answer at any
 * zoom, as far as extrapolating each minute's first and last sample to its edges matches the raw window's.
 * Counts a panel adds up exactly (the confusion matrix) are anchored instead, in a group of their own that
 * evaluates late enough for every pushed sample to be in. Quantiles cannot be averaged back into a
 * histogram; they are recorded over a longer window and the panels show the highest within each interval.
 */

const selector = (metric: string, matchers: readonly string[] = []) =>
  matchers.length > 0 ? `${metric}{${matchers.join(", ")}}` : metric;

/** The rules that record one series. */
function rules(spec: RecordedSpec): RecordingRule[] {
  const record = recordName(spec);
  const by = list(["job", ...spec.by]);
  switch (spec.kind) {
    case "rate":
    case "increase": {
      const change = `${spec.kind}(${spec.metric}[${DASHBOARD_INTERVAL}]${spec.anchored ? " anchored" : ""})`;
      const read = spec.part ? `histogram_${spec.part}(${change})` : change;
      return [{ record, expr: `${spec.aggregation ?? "sum"} by (${by}) (${read})` }];
    }
    case "gauge":
      return [{ record, expr: `${spec.aggregation} by (${by}) (${spec.metric})` }];
    case "buckets": {
      // The histogram recorded earlier in the group, at the same evaluation (dashboardGroups checks the order).
      const source = bucketSource(spec);
      return [
        ...spec.bounds.map((b) => ({ record, expr: countAtOrBelow(b, source), labels: { le: String(b) } })),
        { record, expr: `histogram_count(${source})`, labels: { le: "+Inf" } },
      ];
    }
    case "quantiles": {
      const histogram = selector(spec.histogram, spec.matchers);
      return spec.qs.map((q) => ({
        record,
        expr: `histogram_quantile(${q}, sum by (${by}) (rate(${histogram}[${QUANTILE_WINDOW}])))`,
        labels: { quantile: String(q) },
      }));
    }
  }
}

/**
 * The SLIs' good and bad events per second over one interval, by job, for the error budget over the whole
 * SLO period: a 30-day budget summed from these reads 43 200 samples a series instead of every raw sample.
 * The expressions are the SLIs' own (slo-rules.ts), so the budget counts exactly what the alerts count.
 */
function sloEventRules(targets: SloTargets): RecordingRule[] {
  return slis(targets)
    .filter((s) => s.level === "service")
    .flatMap((sli) => [
      { record: sloEventsName(sli.slo, "requests"), expr: sli.total(DASHBOARD_INTERVAL) },
      { record: sloEventsName(sli.slo, "errors"), expr: sli.bad(DASHBOARD_INTERVAL) },
    ]);
}

/** The recorded histogram increase a `buckets` spec cuts its classic buckets from. */
const bucketSource = (spec: { metric: string; by: readonly string[] }) =>
  recordName({ kind: "increase", metric: spec.metric, by: spec.by });

const isAnchored = (spec: RecordedSpec) => spec.kind === "increase" && spec.anchored === true;

/** Buckets read their histogram's record of the same evaluation: it must come first in the group. */
function checkBucketSources(specs: readonly RecordedSpec[]): void {
  specs.forEach((spec, i) => {
    if (spec.kind !== "buckets") return;
    const source = bucketSource(spec);
    if (!specs.slice(0, i).some((s) => !isAnchored(s) && recordName(s) === source))
      throw new Error(`${recordName(spec)} reads ${source}, which no earlier recorded series is`);
  });
}

export function dashboardGroups(targets: SloTargets = SLO): RuleGroup[] {
  const specs: RecordedSpec[] = Object.values(RECORDED);
  checkBucketSources(specs);
  return [
    {
      name: "inferwatch-dashboards",
      interval: DASHBOARD_INTERVAL,
      rules: [...specs.filter((s) => !isAnchored(s)).flatMap(rules), ...sloEventRules(targets)],
    },
    {
      name: "inferwatch-dashboards-anchored",
      interval: DASHBOARD_INTERVAL,
      query_offset: ANCHORED_QUERY_OFFSET,
      rules: specs.filter(isAnchored).flatMap(rules),
    },
  ];
}
