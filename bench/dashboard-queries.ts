/**
 * How long every dashboard panel query takes over a day and a week of a 10-replica deployment's data:
 * a Prometheus of the stack's version on the backfilled data (bench/backfill/: capture.ts, the Go generator,
 * record.ts; the generator also writes the one recording rule whose result is a native histogram, which
 * promtool cannot), made with
 *
 *   go -C bench/backfill build -o /tmp/backfill . && /tmp/backfill -out bench/backfill/out/data \
 *     -record-increase 'job_model_name_model_version:inferwatch_prediction_confidence:increase1m=inferwatch_prediction_confidence by job,model_name,model_version every 1m'
 *   node --import tsx bench/backfill/record.ts
 *
 * then every query of every committed dashboard with its variables substituted as Grafana does
 * (test/grafana/live-queries.ts: defaults, `$__interval` from the panel width, `$__rate_interval`), run as
 * Grafana runs it (range queries on the step grid, instant ones at the end) over 24 h and 7 d, one warm-up
 * and then `--reps` timed runs each, one query at a time. "Now" is the end of the generated data.
 *
 *   npm run bench -- dashboard-queries [--data DIR] [--reps 5] [--before GIT-REV] [--json FILE]
 *
 * `--before` also times the dashboards as committed at that revision (their raw expressions, before panels
 * moved to recorded series) and prints both side by side. Wall-clock milliseconds per query, as a client
 * sees them (HTTP and JSON included); the budget is 200 ms per query.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { scrapeInterval } from "../grafana/src/provisioning.js";
import { REPO_ROOT } from "../stack/layout.js";
import { committedDashboards, type DashboardJson } from "../test/grafana/dashboard-json.js";
import { LiveDashboard, relativeMs } from "../test/grafana/live-queries.js";
import { DEFAULT_DATA_DIR, readSummary, startPrometheus } from "./backfill/prometheus.js";

const RANGES = ["24h", "7d"] as const;
const BUDGET_MS = 200;
const QUERY_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: DEFAULT_DATA_DIR },
    reps: { type: "string", default: "5" },
    before: { type: "string" },
    json: { type: "string" },
  },
});

interface Timing {
  set: string;
  dashboard: string;
  panel: string;
  refId: string;
  range: string;
  expr: string;
  series: number;
  p50: number;
  max: number;
  error?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function dashboardsAt(rev: string): DashboardJson[] {
  return committedDashboards().map(({ file }) =>
    JSON.parse(
      execFileSync("git", ["show", `${rev}:grafana/dashboards/${file}`], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }),
    ),
  );
}

async function query(
  url: string,
  path: string,
  params: Record<string, string>,
): Promise<{ ms: number; series: number }> {
  const started = performance.now();
  const res = await fetch(new URL(path, url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  const ms = performance.now() - started;
  if (body.status !== "success") throw new Error(body.error ?? `HTTP ${res.status}`);
  return { ms, series: body.data?.result.length ?? 0 };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

async function timeSet(set: string, dashboards: DashboardJson[], url: string, nowMs: number, reps: number) {
  const scrapeMs = relativeMs(`now-${scrapeInterval()}`);
  const out: Timing[] = [];
  for (const range of RANGES) {
    for (const json of dashboards) {
      const live = new LiveDashboard(
        { ...json, time: { ...json.time, from: `now-${range}` } },
        url,
        scrapeMs,
      );
      await live.resolveVariables(nowMs);
      for (const panel of live.panels()) {
        for (const target of panel.targets ?? []) {
          const expr = live.expr(panel, target);
          const { intervalMs: stepMs, rangeMs } = live.builtins(panel);
          const [path, params] = target.instant
            ? ["/api/v1/query", { query: expr, time: String(nowMs / 1000) }]
            : [
                "/api/v1/query_range",
                {
                  query: expr,
                  start: String(Math.floor((nowMs - rangeMs) / stepMs) * (stepMs / 1000)),
                  end: String((Math.floor(nowMs / stepMs) * stepMs) / 1000),
                  step: String(stepMs / 1000),
                },
              ];
          const timing: Timing = {
            set,
            dashboard: json.title,
            panel: panel.title ?? "",
            refId: target.refId,
            range: panel.timeFrom ? `${range} (panel: last ${panel.timeFrom})` : range,
            expr,
            series: 0,
            p50: Number.NaN,
            max: Number.NaN,
          };
          try {
            await query(url, path, params);
            const ms: number[] = [];
            for (let i = 0; i < reps; i++) {
              const r = await query(url, path, params);
              ms.push(r.ms);
              timing.series = r.series;
            }
            ms.sort((a, b) => a - b);
            timing.p50 = percentile(ms, 0.5);
            timing.max = ms[ms.length - 1] ?? Number.NaN;
          } catch (error) {
            timing.error = (error as Error).message;
          }
          out.push(timing);
          process.stderr.write(
            `${set} ${range} ${timing.dashboard} / ${timing.panel} (${timing.refId}): p50 ${timing.p50.toFixed(0)} ms, max ${timing.max.toFixed(0)} ms, ${timing.series} series${timing.error ? `, ${timing.error}` : ""}\n`,
          );
        }
      }
    }
  }
  return out;
}

const fmt = (t: Timing | undefined) =>
  t === undefined ? "–" : t.error ? "error" : `${t.p50.toFixed(0)} / ${t.max.toFixed(0)}`;
const over = (t: Timing | undefined) => t !== undefined && (t.error !== undefined || t.max > BUDGET_MS);

function table(after: Timing[], before: Timing[]): string {
  const key = (t: Timing) => `${t.dashboard}|${t.panel}|${t.refId}|${t.range}`;
  const beforeBy = new Map(before.map((t) => [key(t), t]));
  const lines = [
    before.length > 0
      ? "| dashboard / panel (query) | range | before p50 / max ms | after p50 / max ms | series |"
      : "| dashboard / panel (query) | range | p50 / max ms | series |",
    before.length > 0 ? "|---|---|---|---|---|" : "|---|---|---|---|",
  ];
  const short = (title: string) => title.replace(/^inferwatch \/ /, "");
  for (const t of after) {
    const b = beforeBy.get(key(t));
    const cells = [
      `${short(t.dashboard)} / ${t.panel} (${t.refId})`,
      t.range,
      ...(before.length > 0 ? [`${fmt(b)}${over(b) ? " ⚠" : ""}`] : []),
      `${fmt(t)}${over(t) ? " ⚠" : ""}`,
      String(t.series),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

const reps = Number(args.reps);
const dataDir = args.data ?? DEFAULT_DATA_DIR;
const summary = readSummary(dataDir);
say(
  `data: ${summary.series} series, ${summary.samples} samples, ${summary.start} to ${summary.end}, ${(summary.diskBytes / 2 ** 30).toFixed(2)} GiB`,
);
const prometheus = await startPrometheus(dataDir, join(tmpdir(), `inferwatch-bench-${process.pid}`));
try {
  const after = await timeSet(
    "after",
    committedDashboards().map((d) => d.dashboard),
    prometheus.url,
    summary.endUnixMilli,
    reps,
  );
  const before = args.before
    ? await timeSet("before", dashboardsAt(args.before), prometheus.url, summary.endUnixMilli, reps)
    : [];
  say(table(after, before));
  const slow = after.filter(over);
  say(
    slow.length === 0
      ? `every query within ${BUDGET_MS} ms (max of ${reps} runs)`
      : `${slow.length} of ${after.length} queries over ${BUDGET_MS} ms or failing`,
  );
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ summary, before, after }, null, 2)}\n`);
} finally {
  await prometheus.stop();
}
