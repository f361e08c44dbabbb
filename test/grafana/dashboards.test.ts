import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DASHBOARD_UIDS } from "../../contract/dashboard-uids.js";
import { artefacts } from "../../grafana/src/artefacts.js";
import { REFRESH_INTERVALS, TIME_RANGES } from "../../grafana/src/dashboard.js";
import { DATASOURCES, EXEMPLAR_TRACE_ID_LABEL } from "../../grafana/src/datasources.js";
import { CONTAINER_PATHS, GRAFANA_ENV } from "../../grafana/src/provisioning.js";
import { committedDashboards, type DashboardJson, dataPanels, GRAFANA_DIR } from "./dashboard-json.js";
import { applyExclusions, lintDashboard, RULES, type Violation } from "./dashboard-lint.js";
import { LINT_EXCLUSIONS } from "./lint-exclusions.js";

const read = (path: string) => readFileSync(join(GRAFANA_DIR, path), "utf8");
const dashboards = committedDashboards();
const byUid = (uid: string): DashboardJson => {
  const found = dashboards.find((d) => d.dashboard.uid === uid);
  if (!found) throw new Error(`no committed dashboard ${uid}`);
  return structuredClone(found.dashboard);
};
const show = (v: Violation) =>
  `${v.dashboard} / ${v.panel}${v.refId ? ` (${v.refId})` : ""}: [${v.rule}] ${v.message}`;

/** A minimal INI reader: `[section]` and `key = value`, `;` comments. */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      section = header[1];
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    const entries = out[section] ?? {};
    out[section] = entries;
    if (eq > 0) entries[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

describe("provisioned dashboards", () => {
  it("are exactly what `npm run dashboards` generates from grafana/src", () => {
    const generated = artefacts();
    for (const [path, content] of generated) {
      expect(read(path), `grafana/${path} is stale: run \`npm run dashboards\``).toBe(content);
    }
    const committedJson = readdirSync(join(GRAFANA_DIR, "dashboards")).map((f) => `dashboards/${f}`);
    expect(committedJson.sort()).toEqual(
      [...generated.keys()].filter((p) => p.startsWith("dashboards/")).sort(),
    );
  });

  it("are the four the issue asks for and the model quality one, each with a unique uid from the uid module", () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
    const counts = dashboards.map((d) => `${d.dashboard.uid}: ${dataPanels(d.dashboard).length} panels`);
    expect(counts.length).toBe(5);
  });

  it("pass every lint rule, except where an exclusion says why", () => {
    const violations = dashboards.flatMap((d) => lintDashboard(d.dashboard));
    const { remaining, unused } = applyExclusions(violations, LINT_EXCLUSIONS);
    expect(remaining.map(show)).toEqual([]);
    expect(
      unused.map((e) => `${e.dashboard} / ${e.panel}: [${e.rule}]`),
      "exclusions that excuse nothing",
    ).toEqual([]);
    for (const e of LINT_EXCLUSIONS) expect(e.reason.length, `${e.panel}: a reason`).toBeGreaterThan(20);
  });

  it("offer time ranges from 5 minutes to 7 days and refresh down to 5 s", () => {
    for (const { dashboard } of dashboards) {
      const ranges = dashboard.timepicker?.quick_ranges?.map((r) => r.from) ?? [];
      expect(ranges).toContain("now-5m");
      expect(ranges).toContain("now-7d");
      expect(ranges).toEqual(TIME_RANGES.map((r) => `now-${r}`));
      expect(dashboard.timepicker?.refresh_intervals).toEqual([...REFRESH_INTERVALS]);
      expect(dashboard.timepicker?.refresh_intervals?.[0]).toBe("5s");
    }
  });

  it("let people choose datasource, service, instance, model and version", () => {
    const names = (uid: string) => byUid(uid).templating.list.map((v) => v.name);
    for (const { dashboard } of dashboards) {
      const datasource = dashboard.templating.list.find((v) => v.name === "datasource");
      expect(datasource?.current?.value, dashboard.uid).toBe(DATASOURCES.prometheus.uid);
    }
    for (const uid of [DASHBOARD_UIDS.overview, DASHBOARD_UIDS.model, DASHBOARD_UIDS.runtime]) {
      expect(names(uid)).toEqual(expect.arrayContaining(["datasource", "job", "instance"]));
    }
    expect(names(DASHBOARD_UIDS.model)).toEqual(expect.arrayContaining(["model", "version"]));
  });
});

describe("dashboard lint rules", () => {
  const overview = () => byUid(DASHBOARD_UIDS.overview);
  const firstPanel = (d: DashboardJson) => {
    const panel = dataPanels(d).find((p) => p.title === "Request rate by route");
    if (!panel?.targets?.[0]) throw new Error("no Request rate by route panel");
    return { panel, target: panel.targets[0] };
  };
  const rulesHit = (d: DashboardJson) => new Set(lintDashboard(d).map((v) => v.rule));

  const breakages: [keyof typeof RULES, (d: DashboardJson) => void][] = [
    [
      "template-datasource-rule",
      (d) => (d.templating.list = d.templating.list.filter((v) => v.name !== "datasource")),
    ],
    [
      "template-variables-rule",
      (d) => (firstPanel(d).target.expr = 'sum(up{job=~"$nope", instance=~"$instance"})'),
    ],
    [
      "panel-datasource-rule",
      (d) => (firstPanel(d).panel.datasource = { type: "prometheus", uid: "abc123" }),
    ],
    ["panel-title-description-rule", (d) => (firstPanel(d).panel.description = "")],
    ["panel-units-rule", (d) => (firstPanel(d).panel.fieldConfig = { defaults: { unit: "furlongs" } })],
    ["target-promql-rule", (d) => (firstPanel(d).target.expr = "sum(rate(x[5m])")],
    [
      "target-rate-interval-rule",
      (d) => (firstPanel(d).target.expr = 'rate(x_total{job=~"$job", instance=~"$instance"}[5m])'),
    ],
    [
      "target-counter-agg-rule",
      (d) => (firstPanel(d).target.expr = 'sum(x_total{job=~"$job", instance=~"$instance"})'),
    ],
    [
      "target-job-instance-rule",
      (d) => (firstPanel(d).target.expr = 'max(up{job="prometheus", instance=~"$instance"})'),
    ],
    [
      "panel-exemplar-rule",
      (d) => {
        for (const p of dataPanels(d)) for (const t of p.targets ?? []) t.exemplar = false;
      },
    ],
  ];

  it("are each proven by a dashboard that breaks them", () => {
    expect(breakages.map(([rule]) => rule).sort()).toEqual(Object.keys(RULES).sort());
    expect(rulesHit(overview()).has("panel-exemplar-rule")).toBe(false);
    for (const [rule, breakIt] of breakages) {
      const d = overview();
      breakIt(d);
      expect(rulesHit(d), rule).toContain(rule);
    }
  });

  it("accept counters inside rate and increase, and gauges anywhere", () => {
    const d = overview();
    const { target } = firstPanel(d);
    const sel = '{job=~"$job", instance=~"$instance"}';
    target.expr = `sum(increase(a_total${sel}[$__range])) / sum(rate(b_bucket${sel}[$__rate_interval])) + max(c${sel})`;
    expect(
      lintDashboard(d)
        .filter((v) => v.panel === "Request rate by route")
        .map(show),
    ).toEqual([]);
  });
});

describe("provisioning", () => {
  const datasources = parse(read("provisioning/datasources/inferwatch.yaml")) as {
    datasources: { uid: string; type: string; name: string; jsonData?: Record<string, unknown> }[];
  };

  it("pins every datasource to the uid of grafana/src/datasources.ts", () => {
    const expected = Object.values(DATASOURCES).map((d) => ({ uid: d.uid, type: d.type, name: d.name }));
    expect(datasources.datasources.map(({ uid, type, name }) => ({ uid, type, name }))).toEqual(expected);
  });

  it("links Prometheus exemplars' trace ids to the Jaeger datasource", () => {
    const prometheus = datasources.datasources.find((d) => d.uid === DATASOURCES.prometheus.uid);
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([
      expect.objectContaining({ name: EXEMPLAR_TRACE_ID_LABEL, datasourceUid: DATASOURCES.jaeger.uid }),
    ]);
  });

  it("loads the dashboards into one folder, and saves no edit made in the UI", () => {
    const providers = (
      parse(read("provisioning/dashboards/inferwatch.yaml")) as { providers: Record<string, unknown>[] }
    ).providers;
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      folder: expect.any(String),
      allowUiUpdates: false,
      disableDeletion: true,
      options: { path: CONTAINER_PATHS.dashboards },
    });
  });

  it("takes the admin account from the environment and keeps anonymous access off", () => {
    const config = ini(read("grafana.ini"));
    const [user, password] = Object.keys(GRAFANA_ENV);
    expect(config.security?.admin_user).toBe(`$__env{${user}}`);
    expect(config.security?.admin_password).toBe(`$__env{${password}}`);
    expect(config["auth.anonymous"]?.enabled).toBe("false");
    expect(config.users?.allow_sign_up).toBe("false");
  });
});

describe("links into Grafana", () => {
  it("from alert rules name provisioned dashboards", () => {
    const rulesDir = join(GRAFANA_DIR, "..", "prometheus", "rules");
    const uids = new Set<string>(Object.values(DASHBOARD_UIDS));
    const links = readdirSync(rulesDir)
      .filter((f) => f.endsWith(".yml"))
      .flatMap((f) =>
        [...readFileSync(join(rulesDir, f), "utf8").matchAll(/dashboard_url: \S*\/d\/([\w-]+)/g)].map(
          (m) => ({
            file: f,
            uid: m[1] ?? "",
          }),
        ),
      );
    const broken = [...new Set(links.filter((l) => !uids.has(l.uid)).map((l) => `${l.file}: ${l.uid}`))];
    expect(broken, `uids of grafana/src/dashboard-uids.ts: ${[...uids].join(", ")}`).toEqual([]);
  });
});
