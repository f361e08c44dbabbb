import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { DASHBOARD_UIDS } from "../../contract/dashboard-uids.js";
import { COLLECTOR } from "../../contract/external-metrics.js";

/**
 * Queries that can have no series in the end-to-end run, and why. Each exemption applies only while its
 * condition is checked to be absent in that very run: it returns the evidence, or undefined when the
 * condition is present (and then the query must return data like any other).
 */

export interface LiveContext {
  /** Sum of an instant query's values, or undefined when it returns no series. */
  sum(promql: string): Promise<number | undefined>;
}

export interface Exemption {
  dashboard: string;
  panel: string;
  refId: string;
  reason: string;
  confirm(ctx: LiveContext): Promise<string | undefined>;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The collector creates a failure counter on the first failure: absent means none, if the success counter runs. */
function createdOnFirstFailure(
  panel: string,
  refId: string,
  failures: string,
  successes: string,
  what: string,
): Exemption {
  return {
    dashboard: DASHBOARD_UIDS.pipeline,
    panel,
    refId,
    reason: `the collector creates ${failures} on the first ${what}; a healthy pipeline never has one`,
    async confirm(ctx) {
      const failed = await ctx.sum(failures);
      const ok = await ctx.sum(successes);
      if (failed !== undefined || ok === undefined || ok <= 0) return undefined;
      return `${successes} is ${ok} and ${failures} does not exist`;
    },
  };
}

/** A host_metrics scraper the collector config does not enable. */
function scraperOff(panel: string, scraper: string): Exemption {
  return {
    dashboard: DASHBOARD_UIDS.runtime,
    panel,
    refId: "A",
    reason: `the collector's host_metrics receiver has no ${scraper} scraper (otel-collector/config.yaml)`,
    async confirm() {
      const config = parse(readFileSync(`${REPO_ROOT}otel-collector/config.yaml`, "utf8")) as {
        receivers?: { host_metrics?: { scrapers?: Record<string, unknown> } };
      };
      const scrapers = Object.keys(config.receivers?.host_metrics?.scrapers ?? {});
      if (scrapers.includes(scraper)) return undefined;
      return `host_metrics scrapers are ${scrapers.join(", ")}`;
    },
  };
}

export const LIVE_EXEMPTIONS: readonly Exemption[] = [
  createdOnFirstFailure(
    "Exported by the collector",
    "C",
    COLLECTOR.sendFailedSpans,
    COLLECTOR.sentSpans,
    "span export that fails after retries",
  ),
  createdOnFirstFailure(
    "Exported by the collector",
    "D",
    COLLECTOR.sendFailedMetricPoints,
    COLLECTOR.sentMetricPoints,
    "metric export that fails after retries",
  ),
  createdOnFirstFailure(
    "Memory limiter",
    "C",
    COLLECTOR.memoryLimiterRefusedSpans,
    COLLECTOR.memoryLimiterAcceptedSpans,
    "span refused near the memory limit",
  ),
  createdOnFirstFailure(
    "Memory limiter",
    "D",
    COLLECTOR.memoryLimiterRefusedMetricPoints,
    COLLECTOR.memoryLimiterAcceptedMetricPoints,
    "metric point refused near the memory limit",
  ),
  scraperOff("Host filesystem usage", "filesystem"),
  scraperOff("Host disk I/O", "disk"),
];
