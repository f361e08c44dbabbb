/**
 * Backfills the recording rules the dashboards read over the generated data, the way Prometheus would have
 * recorded them: `promtool tsdb create-blocks-from rules` evaluates each rule with Prometheus's own engine,
 * at its group's interval (the stack's evaluation_interval, 15 s, where it sets none; see WINDOW_STEPS),
 * against a Prometheus on the data, and the blocks it writes
 * join the data directory. Rules that read other recorded series go in a later pass, once those are in.
 * Prometheus then merges the overlapping blocks; this waits for that, so timings never include it.
 *
 * Only rules a dashboard reads (and what they read) are backfilled: the SLO alerts' long windows evaluate
 * rate() over up to 3 days at every step, hours of work that no panel timing depends on. Every step of a
 * rule re-reads its whole window of every replica's raw samples, so a rule over a day (the quality trend
 * records) is backfilled at no more than WINDOW_STEPS steps per window, every minute instead of every 15 s:
 * at 15 s those few rules took most of the backfill's time, and the few series they record weigh nothing in
 * a panel's time either way.
 *
 *   node --import tsx bench/backfill/record.ts [data-dir]
 *
 * Idempotent: `recorded.json` in the data directory lists what is backfilled, with each rule's expression;
 * a rule already there is skipped, and one whose expression changed since is an error (regenerate the data).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { promDuration } from "../../contract/duration.js";
import { ruleFiles } from "../../prometheus/rules/rule-files.js";
import { isAlert, type RecordingRule } from "../../prometheus/rules/rule-model.js";
import { binary } from "../../stack/layout.js";
import { committedDashboards, dataPanels } from "../../test/grafana/dashboard-json.js";
import { relativeMs } from "../../test/grafana/live-queries.js";
import { DEFAULT_DATA_DIR, overlaps, readSummary, startPrometheus } from "./prometheus.js";

/** The global evaluation_interval, for groups that set none. */
const EVAL_INTERVAL = "15s";
/** Evaluations per length of a rule's longest window, at most: its value moves under 0.1 % between them. */
const WINDOW_STEPS = 1440;
/** Blocks as a 7-day retention keeps them, so Prometheus merges rather than re-compacts them. */
const BLOCK = "6h";
const COMPACTION_DEADLINE_MS = 30 * 60_000;

const dataDir = process.argv[2] ?? DEFAULT_DATA_DIR;
const say = (line: string) => process.stdout.write(`[record] ${line}\n`);

const mentions = (expr: string, name: string) =>
  new RegExp(`(^|[^\\w:])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w:])`).test(expr);

/** Every recording rule, with its group's evaluation interval. */
const recording: RecordingRule[] = [];
const intervals = new Map<RecordingRule, string>();
const seconds = (duration: string) => relativeMs(`now-${duration}`) / 1000;
/** The rule's group interval, or longer for a long window (WINDOW_STEPS), as a whole number of them. */
function backfillInterval(rule: RecordingRule, groupInterval: string): string {
  const step = seconds(groupInterval);
  const windows = [...rule.expr.matchAll(/\[(\d+[smhdw])\]/g)].map((m) => seconds(m[1] ?? "0s"));
  const longest = Math.max(0, ...windows);
  return promDuration(Math.max(1, Math.ceil(longest / WINDOW_STEPS / step)) * step);
}
for (const group of ruleFiles().flatMap((f) => f.groups)) {
  for (const rule of group.rules) {
    if (isAlert(rule)) continue;
    recording.push(rule);
    intervals.set(rule, backfillInterval(rule, group.interval ?? EVAL_INTERVAL));
  }
}
/** Quantile rules share a name: the labels tell them apart. */
const keyOf = (r: RecordingRule) => (r.labels ? `${r.record}${JSON.stringify(r.labels)}` : r.record);

/** Rules the committed dashboards read, and every rule those read in turn. */
function needed(): RecordingRule[] {
  const exprs = committedDashboards().flatMap(({ dashboard }) =>
    dataPanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  );
  const want = new Set(recording.filter((r) => exprs.some((e) => mentions(e, r.record))));
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of recording) {
      if (!want.has(r) && [...want].some((w) => mentions(w.expr, r.record))) {
        want.add(r);
        grew = true;
      }
    }
  }
  return recording.filter((r) => want.has(r));
}

/** Passes: each rule after every rule it reads. */
function passes(rules: RecordingRule[], done: ReadonlySet<string>): RecordingRule[][] {
  const out: RecordingRule[][] = [];
  const have = new Set(done);
  let left = rules.filter((r) => !have.has(keyOf(r)));
  while (left.length > 0) {
    const ready = left.filter((r) =>
      recording.every((o) => o.record === r.record || !mentions(r.expr, o.record) || have.has(keyOf(o))),
    );
    if (ready.length === 0) throw new Error(`circular rules: ${left.map((r) => r.record).join(", ")}`);
    out.push(ready);
    for (const r of ready) have.add(keyOf(r));
    left = left.filter((r) => !ready.includes(r));
  }
  return out;
}

/** The rules as groups of one evaluation interval each, which promtool evaluates at. */
function groupsOf(rules: RecordingRule[], pass: number) {
  const byInterval = new Map<string, RecordingRule[]>();
  for (const r of rules) {
    const interval = intervals.get(r) ?? EVAL_INTERVAL;
    byInterval.set(interval, [...(byInterval.get(interval) ?? []), r]);
  }
  return [...byInterval].map(([interval, group], i) => ({
    name: `backfill-${pass}-${i}`,
    interval,
    rules: group,
  }));
}

const markerFile = join(dataDir, "recorded.json");
const marker: Record<string, string> = existsSync(markerFile)
  ? (JSON.parse(readFileSync(markerFile, "utf8")) as Record<string, string>)
  : {};
const changed = recording.filter((r) => marker[keyOf(r)] !== undefined && marker[keyOf(r)] !== r.expr);
if (changed.length > 0) {
  throw new Error(
    `rules changed since they were backfilled (regenerate the data): ${changed.map((r) => r.record).join(", ")}`,
  );
}

const summary = readSummary(dataDir);
// promtool writes float samples only: a rule whose result is a native histogram is written by the generator
// (its -record-increase) and counts as backfilled.
for (const r of needed()) {
  if (summary.recorded?.includes(r.record)) marker[keyOf(r)] ??= r.expr;
}
const todo = passes(needed(), new Set(Object.keys(marker)));
const logDir = mkdtempSync(join(tmpdir(), "inferwatch-record-"));
const started = Date.now();
try {
  for (const [i, rules] of todo.entries()) {
    const prometheus = await startPrometheus(dataDir, logDir);
    const out = join(logDir, `pass-${i}`);
    const file = join(logDir, `pass-${i}.yml`);
    writeFileSync(file, stringify({ groups: groupsOf(rules, i) }, { lineWidth: 0 }));
    const passStarted = Date.now();
    const result = spawnSync(
      binary("promtool"),
      [
        "tsdb",
        "create-blocks-from",
        "rules",
        `--url=${prometheus.url}`,
        `--start=${summary.start}`,
        `--end=${summary.end}`,
        `--eval-interval=${EVAL_INTERVAL}`,
        `--max-block-duration=${BLOCK}`,
        `--output-dir=${out}`,
        "--quiet",
        file,
      ],
      { encoding: "utf8" },
    );
    await prometheus.stop();
    if (result.status !== 0) throw new Error(`promtool failed:\n${result.stdout}${result.stderr}`);
    const made = readdirSync(out).filter((d) => /^[0-9A-Z]{26}$/.test(d));
    for (const block of made) renameSync(join(out, block), join(dataDir, block));
    for (const r of rules) marker[keyOf(r)] = r.expr;
    writeFileSync(markerFile, `${JSON.stringify(marker, null, 2)}\n`);
    const every = [...new Set(rules.map((r) => intervals.get(r)))].join(", ");
    say(
      `pass ${i + 1}: ${rules.length} rules every ${every} (${[...new Set(rules.map((r) => r.record))].join(", ")}), ${made.length} blocks in ${((Date.now() - passStarted) / 1000).toFixed(0)} s`,
    );
  }
  if (overlaps(dataDir) > 0) {
    const prometheus = await startPrometheus(dataDir, logDir);
    const deadline = Date.now() + COMPACTION_DEADLINE_MS;
    try {
      while (overlaps(dataDir) > 0) {
        if (Date.now() > deadline) throw new Error(`blocks still overlap after ${COMPACTION_DEADLINE_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    } finally {
      await prometheus.stop();
    }
  }
  say(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; ${Object.keys(marker).length} rules recorded`,
  );
} finally {
  rmSync(logDir, { recursive: true, force: true });
}
