import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { MIN_EVENTS_IN_LONG_WINDOW, MODEL, QUALITY, SLO } from "../../contract/alerting-config.js";
import { ATTR, METRICS, type MetricKey } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { CLASS } from "../../contract/quality-series.js";
import { renderRuleFile, ruleFiles } from "../../prometheus/rules/rule-files.js";
import { EXTERNAL_NAMES } from "../../prometheus/rules/rule-inputs.js";
import { type AlertingRule, anchor, isAlert, num, type Rule } from "../../prometheus/rules/rule-model.js";
import { binary, REPO_ROOT } from "../../stack/layout.js";
import { QUALITY_RULE_CASES } from "./quality-rule-cases.js";
import { NO_QUIET_CASE, RULE_CASES, type RuleCase } from "./rule-cases.js";

/**
 * The committed rule files are what the rule code generates, Prometheus accepts them, every metric and
 * label they read exists, every alert carries what people need, and promtool's unit tests (rule-cases.ts)
 * show each alert firing where it must and quiet where it must.
 */

const RULES_DIR = join(REPO_ROOT, "prometheus", "rules");
const GUIDE = join(REPO_ROOT, "MONITORING_DEPLOYMENT_GUIDE.md");
const files = ruleFiles();
const rules: Rule[] = files.flatMap((f) => f.groups.flatMap((g) => g.rules));
const alerts = rules.filter(isAlert);
const alertNames = [...new Set(alerts.map((a) => a.alert))];
/** promtool of the Prometheus the native stack builds and the Compose image runs (one release, .env.example). */
const PROMTOOL = binary("promtool");
const tmp = mkdtempSync(join(tmpdir(), "inferwatch-rules-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Metric names and label names a PromQL expression reads. */
function selectors(expr: string): { metrics: string[]; labels: string[] } {
  const metrics: string[] = [];
  const labels: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        metrics.push(text(node.from, node.to));
      } else if (node.name === "LabelName") {
        labels.push(text(node.from, node.to));
      } else if (node.name === "UnquotedLabelMatcher" && text(node.from, node.to).startsWith("__name__")) {
        const value = text(node.from, node.to)
          .replace(/^__name__=~?"/, "")
          .replace(/"$/, "");
        metrics.push(...value.split("|"));
      }
    },
  });
  return { metrics, labels };
}

/**
 * Every series name the ML API's catalogue gives Prometheus. A histogram is one native histogram under its
 * own name: no `_bucket`, `_count` or `_sum` series exist to read.
 */
function catalogueNames(): Set<string> {
  const names = new Set<string>();
  for (const key of Object.keys(METRICS) as MetricKey[]) names.add(PROM[key]);
  for (const name of EXTERNAL_NAMES) names.add(name);
  return names;
}

function promtoolRun(promtool: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool, args, { encoding: "utf8", cwd: tmp });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * The dashboards' recording rules feed no alert: cases without recorded-series checks run without them,
 * which halves promtool's time (it evaluates every loaded rule at every step of every case).
 */
const DASHBOARD_RULES_FILE = "dashboards.yml";

/** promtool's unit-test YAML for the cases, every expected alert completed with its rule's links. */
function promtoolTests(cases: readonly RuleCase[]): string {
  const byName = new Map<string, AlertingRule>(alerts.map((a) => [a.alert, a]));
  const recorded = cases.some((c) => c.exprs !== undefined);
  const loaded = files.filter((f) => recorded || f.file !== DASHBOARD_RULES_FILE);
  // promtool evaluates the groups of one step in no fixed order unless told: an alert could read the records
  // of this step or of the last, and a description quoting a changing record would differ between runs.
  const groups = loaded.flatMap((f) => f.groups);
  const recordsFirst = [
    ...groups.filter((g) => !g.rules.some(isAlert)),
    ...groups.filter((g) => g.rules.some(isAlert)),
  ].map((g) => g.name);
  return stringify(
    {
      rule_files: loaded.map((f) => join(RULES_DIR, f.file)),
      evaluation_interval: "1m",
      group_eval_order: recordsFirst,
      // Prometheus 3 compares recorded values to the last bit (3.0999999999999996 is not 3.1) unless told.
      fuzzy_compare: true,
      tests: cases.map((c) => ({
        name: c.name,
        interval: c.interval ?? "1m",
        input_series: c.series,
        ...(c.exprs
          ? {
              promql_expr_test: c.exprs.map((e) => ({
                expr: e.expr,
                eval_time: e.at,
                exp_samples: e.expect.map((s) => ({ labels: s.labels, value: s.value })),
              })),
            }
          : {}),
        alert_rule_test: c.checks.map((check) => {
          const rule = byName.get(check.alert);
          if (!rule) throw new Error(`case "${c.name}": no alert ${check.alert}`);
          return {
            eval_time: check.at,
            alertname: check.alert,
            exp_alerts: check.expect.map((e) => ({
              exp_labels: e.labels,
              exp_annotations: {
                summary: e.summary,
                description: e.description,
                runbook_url: rule.annotations.runbook_url,
                dashboard_url: rule.annotations.dashboard_url,
              },
            })),
          };
        }),
      })),
    },
    { lineWidth: 0 },
  );
}

describe("the alerting and recording rules", () => {
  it("are committed exactly as `npm run rules` generates them", () => {
    for (const file of files) {
      const committed = join(RULES_DIR, file.file);
      expect(existsSync(committed), `${file.file} is missing: run npm run rules`).toBe(true);
      expect(readFileSync(committed, "utf8"), `${file.file} differs: run npm run rules`).toBe(
        renderRuleFile(file),
      );
    }
  });

  it("read only metrics the catalogue, the known external metrics or other rules define", () => {
    const known = catalogueNames();
    for (const r of rules) if (!isAlert(r)) known.add(r.record);
    const unknown = rules.flatMap((r) =>
      selectors(r.expr)
        .metrics.filter((m) => !known.has(m))
        .map((m) => `${isAlert(r) ? r.alert : r.record}: ${m}`),
    );
    expect(unknown).toEqual([]);
  });

  it("use only label names the telemetry has", () => {
    const known = new Set([
      ...Object.values(ATTR).map(promLabel),
      "job",
      "instance",
      "le",
      "__name__",
      "http_route",
      "http_response_status_code",
      // rpc.server.call.duration (telemetry/rpc-server-duration.ts).
      "rpc_method",
      "rpc_status_code",
      "receiver",
      "exporter",
      "rule_group",
      "integration",
      // prometheus_http_requests_total, per HTTP handler (the OTLP receiver's) and status code.
      "handler",
      "code",
      // prometheus_notifications_errors_total, per Alertmanager Prometheus sends to.
      "alertmanager",
      // What the dashboards' recording rules keep (dashboard-rules.ts): span metrics, runtime and host.
      "span_kind",
      "span_name",
      "cpu_mode",
      "v8js_gc_type",
      "v8js_heap_space_name",
      // Per-class precision and recall (quality-rules.ts): a class whether predicted or true.
      CLASS,
    ]);
    const unknown = rules.flatMap((r) => selectors(r.expr).labels.filter((l) => !known.has(l)));
    expect(unknown).toEqual([]);
  });

  it("read no bucket of a histogram: every histogram is a native one, with no `le` label", () => {
    expect(rules.flatMap((r) => [...r.expr.matchAll(/\ble\b/g)])).toEqual([]);
  });

  it("give every alert a severity, a summary, a description and a runbook that exists", () => {
    const guide = existsSync(GUIDE) ? readFileSync(GUIDE, "utf8") : "";
    const runbooks = guide.split(/^## Runbooks$/m)[1]?.split(/^## /m)[0] ?? "";
    const anchors = new Set([...runbooks.matchAll(/^### (.+)$/gm)].map((m) => anchor(m[1] as string)));
    for (const a of alerts) {
      expect(["critical", "warning", "info"]).toContain(a.labels.severity);
      expect(a.annotations.summary.length, a.alert).toBeGreaterThan(10);
      expect(a.annotations.description.length, a.alert).toBeGreaterThan(a.annotations.summary.length);
      const fragment = a.annotations.runbook_url.split("#")[1] ?? "";
      expect({ alert: a.alert, runbook: anchors.has(fragment) }).toEqual({ alert: a.alert, runbook: true });
    }
  });

  it("are described in the runbooks with the targets and thresholds alerting-config.ts sets", () => {
    const runbooks = (readFileSync(GUIDE, "utf8").split(/^## Runbooks$/m)[1] ?? "").replace(/\s+/g, " ");
    const figures = [
      `availability ${num(SLO.availability * 100)}%`,
      `latency ${num(SLO.latency * 100)}% of successful inferences within ${num(SLO.latencyThresholdSeconds)} s`,
      `at least ${MIN_EVENTS_IN_LONG_WINDOW} requests`,
      `over ${num(MODEL.errorRatio * 100)}% of one version's inference requests`,
      `(at least ${MODEL.errorMinRequests} requests)`,
      `at least ${MODEL.confidenceMinPredictions} predictions`,
      `total variation distance above ${num(MODEL.classShift)}`,
      `more than ${num(QUALITY.maeMargin * 100)}% above the MAE`,
      `more than ${num(QUALITY.estimatedFall * 100)} points below the day's lower bound`,
      `fewer than ${num(QUALITY.estimatedMaxCoverage * 100)}% of the hour's predictions`,
    ];
    expect(figures.filter((f) => !runbooks.includes(f))).toEqual([]);
  });

  it("have a promtool case for every alert where it fires and one where it stays quiet", () => {
    const checks = RULE_CASES.flatMap((c) => c.checks);
    const missing = alertNames.flatMap((name) => {
      const mine = checks.filter((c) => c.alert === name);
      const gaps: string[] = [];
      if (!mine.some((c) => c.expect.length > 0)) gaps.push(`${name}: no firing case`);
      if (!mine.some((c) => c.expect.length === 0) && !NO_QUIET_CASE[name])
        gaps.push(`${name}: no quiet case`);
      return gaps;
    });
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!existsSync(PROMTOOL))("promtool", () => {
  it("check rules accepts every rule file", () => {
    const result = promtoolRun(PROMTOOL, ["check", "rules", ...files.map((f) => join(RULES_DIR, f.file))]);
    expect(result.status, result.output).toBe(0);
  });

  /**
   * promtool takes about 25 s for the alert cases on two idle cores, and several times that while other
   * suites run: vitest's default 30 s is too close.
   */
  it("test rules passes every case", { timeout: 480_000 }, () => {
    const checks = RULE_CASES.flatMap((c) => c.checks);
    const exprs = RULE_CASES.flatMap((c) => c.exprs ?? []);
    process.stdout.write(
      `[rules] promtool test rules: ${RULE_CASES.length} cases, ${checks.filter((c) => c.expect.length > 0).length} firing and ${checks.filter((c) => c.expect.length === 0).length} quiet checks, ${exprs.length} recorded-series checks\n`,
    );
    const groups = [RULE_CASES.filter((c) => !c.exprs), RULE_CASES.filter((c) => c.exprs)];
    for (const [i, cases] of groups.entries()) {
      const file = join(tmp, `cases-${i}.yml`);
      writeFileSync(file, promtoolTests(cases));
      const result = promtoolRun(PROMTOOL, ["test", "rules", file]);
      expect(result.status, result.output).toBe(0);
    }
  });

  it("test rules fails a case whose expectation is wrong, so the cases above can fail", () => {
    const [first] = RULE_CASES;
    if (!first) throw new Error("no cases");
    const wrong: RuleCase = {
      ...first,
      checks: first.checks.map((c) => ({
        ...c,
        expect: c.expect.map((e) => ({ ...e, labels: { ...e.labels, severity: "info" } })),
      })),
    };
    const file = join(tmp, "wrong.yml");
    writeFileSync(file, promtoolTests([wrong]));
    const result = promtoolRun(PROMTOOL, ["test", "rules", file]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("FAILED");
  });

  /**
   * The quality alerts' guards (Wilson and Student-t bounds, label coverage, the model's own trend) are what
   * keeps them quiet: each firing case told to expect silence, and each quiet case told to expect the firing
   * case's alert, must fail, every one of them.
   */
  it("test rules fails every quality alert's cases turned around", { timeout: 480_000 }, () => {
    const qualityAlerts = [...new Set(QUALITY_RULE_CASES.flatMap((c) => c.checks.map((k) => k.alert)))];
    const turned = qualityAlerts.flatMap((alert): RuleCase[] => {
      const mine = (c: RuleCase) => c.checks.filter((k) => k.alert === alert);
      const firing = QUALITY_RULE_CASES.find((c) => mine(c).some((k) => k.expect.length > 0));
      const quiet = QUALITY_RULE_CASES.find((c) => mine(c).some((k) => k.expect.length === 0));
      if (!firing || !quiet) throw new Error(`${alert}: no firing or no quiet case`);
      const [fired] = mine(firing);
      return [
        {
          ...firing,
          name: `${alert} silent: ${firing.name}`,
          checks: mine(firing).map((k) => ({ ...k, expect: [] })),
        },
        {
          ...quiet,
          name: `${alert} firing: ${quiet.name}`,
          checks: mine(quiet).map((k) => ({ ...k, expect: fired?.expect ?? [] })),
        },
      ];
    });
    const file = join(tmp, "turned.yml");
    writeFileSync(file, promtoolTests(turned));
    const result = promtoolRun(PROMTOOL, ["test", "rules", file]);
    expect(result.status).not.toBe(0);
    const passed = turned.filter((c) => !result.output.includes(`name: ${c.name},`)).map((c) => c.name);
    expect(passed).toEqual([]);
  });
});
