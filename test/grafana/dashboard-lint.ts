import * as units from "@grafana/grafana-foundation-sdk/units";
import { HTTP, RPC, RUNTIME, SPAN_METRICS } from "../../contract/external-metrics.js";
import { METRICS, type MetricKey } from "../../contract/metric-catalogue.js";
import { PROM } from "../../contract/prometheus-names.js";
import { DATASOURCE_VARIABLE, PROMETHEUS_REF } from "../../grafana/src/variables.js";
import { ruleFiles } from "../../prometheus/rules/rule-files.js";
import { isAlert } from "../../prometheus/rules/rule-model.js";
import {
  type DashboardJson,
  dataPanels,
  type PanelJson,
  type Target,
  variableQuery,
} from "./dashboard-json.js";
import { parsePromQL, rangeVariable, type Selector } from "./promql-ast.js";

/**
 * Lint rules for the generated dashboards, in the spirit of grafana/dashboard-linter (same rule names where
 * the rule is the same), run on the committed JSON. Where a rule does not fit a panel, an exclusion names the
 * rule, the panel and why, as the linter's `.lint` file does.
 */

export interface Violation {
  rule: RuleName;
  dashboard: string;
  panel: string;
  refId?: string;
  message: string;
}

export interface Exclusion {
  rule: RuleName;
  /** Dashboard uid. */
  dashboard: string;
  /** Panel title. */
  panel: string;
  reason: string;
}

export const RULES = {
  "template-datasource-rule": "The dashboard has a Prometheus datasource variable.",
  "template-variables-rule":
    "Every variable a query uses is defined, and variable queries use the datasource variable.",
  "panel-datasource-rule":
    "Every panel and query names its datasource by the datasource variable, never a fixed uid.",
  "panel-title-description-rule": "Every panel has a title and a description.",
  "panel-units-rule": "Every panel has a valid Grafana unit.",
  "target-promql-rule": "Every query is valid PromQL once Grafana's variables are stood in for.",
  "target-rate-interval-rule": "rate() and irate() take $__rate_interval, so no step falls between samples.",
  "target-counter-agg-rule":
    "Counters (_total, the pushed native histograms, and a scraped histogram's _bucket, _count, _sum) appear only as the range argument of rate, irate or increase.",
  "target-job-instance-rule":
    "Every selector matches job and instance by a template variable: neither is hard-coded or left out (a recorded series only where its rule keeps the label).",
  "panel-exemplar-rule":
    "A latency panel (seconds, histogram_quantile) asks for exemplars from a histogram that carries trace ids.",
} as const;

export type RuleName = keyof typeof RULES;

/** Every unit id the SDK knows: the units Grafana's unit picker offers. */
const VALID_UNITS: ReadonlySet<string> = new Set(
  (Object.values(units) as unknown[]).filter((v): v is string => typeof v === "string"),
);
const COUNTER_SUFFIXES = ["_total", "_bucket", "_count", "_sum"];
/** The histograms the collector pushes, which Prometheus stores as native histograms under these names. */
const NATIVE_HISTOGRAMS: ReadonlySet<string> = new Set([
  ...(Object.keys(METRICS) as MetricKey[])
    .filter((k) => METRICS[k].instrument === "histogram")
    .map((k) => PROM[k]),
  HTTP.duration,
  RPC.duration,
  RUNTIME.gcDuration,
  SPAN_METRICS.duration,
]);

/**
 * The labels each recording rule keeps, from its name (`<labels kept, joined by _>:<metric>:<operation>`):
 * a recorded series that sums instances away has no instance to match.
 */
const RECORDED_LEVELS: ReadonlyMap<string, readonly string[]> = new Map(
  ruleFiles()
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .flatMap((r) => (isAlert(r) ? [] : [[r.record, (r.record.split(":")[0] ?? "").split("_")] as const])),
);
const COUNTER_FUNCTIONS = new Set(["rate", "irate", "increase"]);
/** `$name`, `${name}`, `${name:format}`, `[[name]]`. */
const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g;
const WHOLE_VARIABLE = /^(?:\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\])$/;
/** The histogram whose samples carry exemplars (trace ids): the collector's span metrics. */
const EXEMPLAR_HISTOGRAM = SPAN_METRICS.duration;

export function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

function isCounter(metric: string): boolean {
  return NATIVE_HISTOGRAMS.has(metric) || COUNTER_SUFFIXES.some((suffix) => metric.endsWith(suffix));
}

export function lintDashboard(dashboard: DashboardJson): Violation[] {
  const violations: Violation[] = [];
  const defined = new Set(dashboard.templating.list.map((v) => v.name));
  const report = (rule: RuleName, panel: string, message: string, refId?: string) =>
    violations.push({ rule, dashboard: dashboard.uid, panel, message, ...(refId ? { refId } : {}) });

  const datasourceVar = dashboard.templating.list.find((v) => v.name === DATASOURCE_VARIABLE);
  if (datasourceVar?.type !== "datasource" || variableQuery(datasourceVar) !== "prometheus") {
    report(
      "template-datasource-rule",
      "(dashboard)",
      `no datasource variable "${DATASOURCE_VARIABLE}" of type prometheus`,
    );
  }

  for (const variable of dashboard.templating.list) {
    if (variable.type !== "query") continue;
    if (variable.datasource?.uid !== PROMETHEUS_REF.uid) {
      report(
        "template-variables-rule",
        `(variable ${variable.name})`,
        `datasource is ${JSON.stringify(variable.datasource)}`,
      );
    }
    for (const name of referencedVariables(variableQuery(variable))) {
      if (!name.startsWith("__") && !defined.has(name)) {
        report("template-variables-rule", `(variable ${variable.name})`, `uses undefined variable $${name}`);
      }
    }
  }

  for (const panel of dataPanels(dashboard)) lintPanel(panel, defined, report);
  return violations;
}

function sameRef(ref: { type?: string; uid?: string } | undefined): boolean {
  return ref?.type === PROMETHEUS_REF.type && ref?.uid === PROMETHEUS_REF.uid;
}

function lintPanel(
  panel: PanelJson,
  defined: Set<string>,
  report: (rule: RuleName, panel: string, message: string, refId?: string) => void,
): void {
  const title = panel.title ?? "";
  const where = title || `(panel id ${panel.id})`;
  if (!title.trim()) report("panel-title-description-rule", where, "no title");
  if (!panel.description?.trim()) report("panel-title-description-rule", where, "no description");

  const unit = panel.fieldConfig?.defaults?.unit;
  if (!unit) report("panel-units-rule", where, "no unit");
  else if (!VALID_UNITS.has(unit)) report("panel-units-rule", where, `unknown unit "${unit}"`);

  if (!sameRef(panel.datasource)) {
    report("panel-datasource-rule", where, `panel datasource is ${JSON.stringify(panel.datasource)}`);
  }
  const targets = panel.targets ?? [];
  if (targets.length === 0) report("target-promql-rule", where, "no queries");
  for (const target of targets)
    lintTarget(target, defined, (rule, message) => report(rule, where, message, target.refId));

  const latency = unit === units.Seconds && targets.some((t) => t.expr.includes("histogram_quantile("));
  if (latency) {
    const exemplars = targets.filter(
      (t) =>
        t.exemplar === true && parsePromQL(t.expr).selectors.some((s) => s.metric === EXEMPLAR_HISTOGRAM),
    );
    if (exemplars.length === 0) {
      report(
        "panel-exemplar-rule",
        where,
        `latency panel without an exemplar query on ${EXEMPLAR_HISTOGRAM}`,
      );
    }
  }
}

function lintTarget(
  target: Target,
  defined: Set<string>,
  report: (rule: RuleName, message: string) => void,
): void {
  if (!sameRef(target.datasource)) {
    report("panel-datasource-rule", `query datasource is ${JSON.stringify(target.datasource)}`);
  }
  for (const name of referencedVariables(target.expr)) {
    if (!name.startsWith("__") && !defined.has(name)) {
      report("template-variables-rule", `uses undefined variable $${name}`);
    }
  }
  const parsed = parsePromQL(target.expr);
  for (const error of parsed.errors) report("target-promql-rule", error);
  if (parsed.errors.length > 0) return;
  for (const selector of parsed.selectors) lintSelector(selector, defined, report);
}

function lintSelector(
  selector: Selector,
  defined: Set<string>,
  report: (rule: RuleName, message: string) => void,
) {
  const name = selector.metric || "{...}";
  if ((selector.func === "rate" || selector.func === "irate") && selector.range !== undefined) {
    const range = rangeVariable(selector.range);
    if (range !== "$__rate_interval")
      report("target-rate-interval-rule", `${selector.func}(${name}[${range}])`);
  }
  if (isCounter(selector.metric)) {
    const ok =
      selector.range !== undefined && selector.func !== undefined && COUNTER_FUNCTIONS.has(selector.func);
    if (!ok) {
      const how = selector.range === undefined ? "not ranged" : `in ${selector.func ?? "no function"}()`;
      report("target-counter-agg-rule", `counter ${name} ${how}: use rate, irate or increase`);
    }
  }
  const kept = RECORDED_LEVELS.get(selector.metric);
  for (const label of ["job", "instance"]) {
    const matchers = selector.matchers.filter((m) => m.name === label);
    const required = kept === undefined || kept.includes(label);
    if (matchers.length === 0 && required)
      report("target-job-instance-rule", `${name} has no ${label} matcher`);
    for (const matcher of matchers) {
      const variable = WHOLE_VARIABLE.exec(matcher.value);
      const variableName = variable ? (variable[1] ?? variable[2] ?? variable[3]) : undefined;
      if (!variableName) {
        report("target-job-instance-rule", `${name} hard-codes ${label}${matcher.op}"${matcher.value}"`);
      } else if (!defined.has(variableName)) {
        report("target-job-instance-rule", `${name} matches ${label} by undefined $${variableName}`);
      }
    }
  }
}

/** Violations left after the exclusions, and the exclusions that excused nothing (stale ones). */
export function applyExclusions(
  violations: Violation[],
  exclusions: readonly Exclusion[],
): { remaining: Violation[]; unused: Exclusion[] } {
  const used = new Set<Exclusion>();
  const remaining = violations.filter((v) => {
    const excuse = exclusions.find(
      (e) => e.rule === v.rule && e.dashboard === v.dashboard && e.panel === v.panel,
    );
    if (excuse) used.add(excuse);
    return !excuse;
  });
  return { remaining, unused: exclusions.filter((e) => !used.has(e)) };
}
