import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import type { AlertingRule, RuleGroup } from "../../prometheus/rules/rule-model.js";
import type { Tuning } from "../../stack/components.js";
import { CONFIGS } from "../../stack/layout.js";

/**
 * The intervals that decide how late the pipeline is, read from the committed configs a benchmark runs with
 * (so a printed figure is never a stale copy): the API's exports, the collector's batch and span-metrics
 * flush, Prometheus's scrape and rule evaluation, and Alertmanager's grouping timers.
 */

/** `${env:NAME:-default}` of otel-collector/config.yaml: the value the collector uses when NAME is unset. */
function collectorDefault(name: string): string {
  const text = readFileSync(CONFIGS.collector, "utf8");
  const match = new RegExp(`\\$\\{env:${name}:-([^}]+)\\}`).exec(text);
  if (!match) throw new Error(`otel-collector/config.yaml reads no ${name}`);
  return match[1] as string;
}

interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  scrape_configs: { job_name: string; scrape_interval?: string }[];
}
interface AlertmanagerRoute {
  group_wait: string;
  group_interval: string;
}

export function committedIntervals() {
  const prometheus = parse(readFileSync(CONFIGS.prometheus, "utf8")) as PrometheusConfig;
  const collectorJob = prometheus.scrape_configs.find((job) => job.job_name === "otel-collector");
  const route = (
    parse(readFileSync(CONFIGS.alertmanager, "utf8"), { merge: true }) as { route: AlertmanagerRoute }
  ).route;
  return {
    apiMetricExport: `${Number(OTEL_DEFAULTS.OTEL_METRIC_EXPORT_INTERVAL.value) / 1000}s`,
    apiSpanExport: `${Number(OTEL_DEFAULTS.OTEL_BSP_SCHEDULE_DELAY.value) / 1000}s`,
    collectorBatch: collectorDefault("OTELCOL_BATCH_TIMEOUT"),
    spanMetricsFlush: collectorDefault("OTELCOL_SPANMETRICS_FLUSH_INTERVAL"),
    /** The collector's exporter, where the API's metrics are read. */
    scrape: collectorJob?.scrape_interval ?? prometheus.global.scrape_interval,
    ruleEvaluation: prometheus.global.evaluation_interval,
    groupWait: route.group_wait,
    groupInterval: route.group_interval,
  };
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : `${ms / 1000}s`);

/**
 * One line naming every interval a run used: the committed ones, and any that `tuning` replaced marked
 * "(tried)", with what the stack sets from it (Tuning.scrapeInterval moves rule evaluation too).
 */
export function describeIntervals(tuning: Tuning = {}): string {
  const tried: Partial<Record<keyof ReturnType<typeof committedIntervals>, string | undefined>> = {
    apiMetricExport: seconds(tuning.metricExportIntervalMs),
    apiSpanExport: seconds(tuning.spanExportDelayMs),
    collectorBatch: tuning.batchTimeout,
    spanMetricsFlush: tuning.spanMetricsFlushInterval,
    scrape: tuning.scrapeInterval,
    ruleEvaluation: tuning.scrapeInterval,
  };
  return Object.entries(committedIntervals())
    .map(([k, v]) => {
      const override = tried[k as keyof typeof tried];
      return override ? `${k} ${override} (tried)` : `${k} ${v}`;
    })
    .join(", ");
}

/** The committed alerting rule `alert` of severity `severity`, from the rule files Prometheus loads. */
export function committedAlert(alert: string, severity: string): AlertingRule {
  const rules = join(dirname(CONFIGS.prometheus), "rules");
  for (const file of readdirSync(rules).filter((f) => f.endsWith(".yml"))) {
    const { groups } = parse(readFileSync(join(rules, file), "utf8")) as { groups: RuleGroup[] };
    for (const rule of groups.flatMap((g) => g.rules)) {
      if ("alert" in rule && rule.alert === alert && rule.labels.severity === severity) return rule;
    }
  }
  throw new Error(`no ${severity} alert ${alert} in ${rules}`);
}
