import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderAlertmanagerConfig } from "../../alertmanager/config-render.js";
import { ruleFiles } from "../../prometheus/rules/rule-files.js";
import { isAlert } from "../../prometheus/rules/rule-model.js";
import { alertmanagerDelivery } from "../../stack/components.js";
import { binary, REPO_ROOT } from "../../stack/layout.js";
import { DEFAULT_PORTS } from "../../stack/ports.js";

/**
 * alertmanager/alertmanager.yml and its templates: amtool accepts them, every alert the rules define routes
 * to the receiver its severity promises, inhibitions name alerts and labels that exist, secrets come only
 * from files, and the templates render what people read.
 */

const CONFIG = join(REPO_ROOT, "alertmanager", "alertmanager.yml");
const TEMPLATES = join(REPO_ROOT, "alertmanager", "templates", "*.tmpl");
const amtool = binary("amtool");
const tmp = mkdtempSync(join(tmpdir(), "inferwatch-am-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const alerts = ruleFiles()
  .flatMap((f) => f.groups.flatMap((g) => g.rules))
  .filter(isAlert);
const alertNames = new Set(alerts.map((a) => a.alert));

/** Where each severity must go. */
const RECEIVER_OF = { critical: "pager", warning: "slack-alerts", info: "slack-info" } as const;

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(amtool, args, { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

interface AmConfig {
  global: Record<string, unknown>;
  route: { receiver: string; group_by: string[] };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal?: string[] }[];
  receivers: { name: string }[];
}

const config = parse(readFileSync(CONFIG, "utf8"), { merge: true }) as AmConfig;

/** Every key anywhere in a parsed YAML value, but inside Slack `actions` (whose `url` is a button's link). */
function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => (k === "actions" ? [k] : [k, ...keys(v)]));
  }
  return [];
}

describe("the Alertmanager config", () => {
  it("keeps every secret in a file: no password, webhook URL or heartbeat URL inline", () => {
    const all = keys(config);
    expect(
      all.filter((k) => /^(smtp_auth_password|auth_password|api_url|slack_api_url|url)$/.test(k)),
    ).toEqual([]);
    expect(all).toEqual(expect.arrayContaining(["smtp_auth_password_file", "api_url_file", "url_file"]));
  });

  it("groups by alert, service and model", () => {
    expect(config.route.group_by).toEqual(["alertname", "job", "model_name"]);
  });

  it("inhibits only with alert names the rules define and labels they carry", () => {
    const labelNames = new Set([
      "alertname",
      "job",
      "model_name",
      ...alerts.flatMap((a) => Object.keys(a.labels)),
    ]);
    const problems: string[] = [];
    for (const rule of config.inhibit_rules) {
      for (const matcher of [...rule.source_matchers, ...rule.target_matchers]) {
        const m = /^(\w+)(=~|!=|!~|=)"(.*)"$/.exec(matcher);
        if (!m) {
          problems.push(`cannot read matcher ${matcher}`);
          continue;
        }
        const [, label = "", , value = ""] = m;
        if (!labelNames.has(label)) problems.push(`${matcher}: no rule sets ${label}`);
        if (label === "alertname") {
          for (const name of value.split("|"))
            if (!alertNames.has(name)) problems.push(`${matcher}: no alert ${name}`);
        }
        if (label === "depends_on" && !alerts.some((a) => a.labels.depends_on === value)) {
          problems.push(`${matcher}: no alert depends on ${value}`);
        }
      }
      for (const label of rule.equal ?? [])
        if (!labelNames.has(label)) problems.push(`equal ${label}: unknown`);
    }
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!existsSync(amtool))("amtool", () => {
  it("check-config accepts the config and its templates", () => {
    const result = run(["check-config", CONFIG]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("4 receivers");
  });

  it("check-config rejects a config naming a receiver that does not exist, so the check above can fail", () => {
    const broken = join(tmp, "broken.yml");
    writeFileSync(
      broken,
      readFileSync(CONFIG, "utf8").replace("receiver: slack-info", "receiver: slack-nowhere"),
    );
    expect(run(["check-config", broken]).status).not.toBe(0);
  });

  const routes: [string, Record<string, string>, string][] = [
    [
      "the Watchdog goes only to the heartbeat, whatever its severity",
      { alertname: "Watchdog", severity: "info" },
      "heartbeat",
    ],
    [
      "a critical alert pages (Slack and email)",
      { alertname: "ModelNotLoaded", severity: "critical" },
      "pager",
    ],
    ["a warning goes to the Slack queue", { alertname: "FeatureDrift", severity: "warning" }, "slack-alerts"],
    ["an info alert goes to the quiet channel", { alertname: "NoTraffic", severity: "info" }, "slack-info"],
    ["an alert without a known severity still reaches Slack", { alertname: "Unlabelled" }, "slack-alerts"],
  ];
  for (const [name, labels, receiver] of routes) {
    it(`routes test: ${name}`, () => {
      const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      const result = run([
        "config",
        "routes",
        "test",
        `--config.file=${CONFIG}`,
        `--verify.receivers=${receiver}`,
        ...args,
      ]);
      expect(result.status, result.output).toBe(0);
    });
  }

  it("routes test fails for a wrong receiver, so the route tests can fail", () => {
    const result = run([
      "config",
      "routes",
      "test",
      `--config.file=${CONFIG}`,
      "--verify.receivers=slack-info",
      "alertname=ModelNotLoaded",
      "severity=critical",
    ]);
    expect(result.status).not.toBe(0);
  });

  it("routes every alert of the rules to the receiver of its severity", () => {
    const wrong = alerts.flatMap((a) => {
      const want = a.alert === "Watchdog" ? "heartbeat" : RECEIVER_OF[a.labels.severity];
      const labels = Object.entries({
        alertname: a.alert,
        job: "inferwatch-ml-api",
        model_name: "penguins",
        ...a.labels,
      });
      const result = run([
        "config",
        "routes",
        "test",
        `--config.file=${CONFIG}`,
        `--verify.receivers=${want}`,
        ...labels.map(([k, v]) => `${k}=${v}`),
      ]);
      return result.status === 0 ? [] : [`${a.alert} (${a.labels.severity}): ${result.output}`];
    });
    expect(wrong).toEqual([]);
  });
});

/** Alertmanager's template data for one group, as its notifiers pass it. */
function templateData(status: "firing" | "resolved") {
  const labels = {
    alertname: "ModelNotLoaded",
    severity: "critical",
    job: "inferwatch-ml-api",
    instance: "127.0.0.1:8002",
    model_name: "penguins",
  };
  return {
    receiver: "pager",
    status,
    externalURL: "http://alertmanager.example.com:9093",
    groupLabels: { alertname: labels.alertname, job: labels.job, model_name: labels.model_name },
    commonLabels: labels,
    commonAnnotations: {},
    alerts: [
      {
        status,
        labels,
        annotations: {
          summary: "Model penguins has no version loaded",
          description: "No version of model penguins is ready on 127.0.0.1:8002 <inferwatch-ml-api> & more.",
          runbook_url: "https://example.com/MONITORING_DEPLOYMENT_GUIDE.md#modelnotloaded",
          dashboard_url: "http://localhost:3000/d/inferwatch-model",
        },
        startsAt: "2026-11-22T10:00:00Z",
        endsAt: status === "resolved" ? "2026-11-22T10:05:00Z" : "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.example.com:9090/graph?g0.expr=up",
      },
    ],
  };
}

describe.skipIf(!existsSync(amtool))("the notification templates", () => {
  const render = (name: string, status: "firing" | "resolved", type: "text" | "html" = "text") => {
    const data = join(tmp, `${status}.json`);
    writeFileSync(data, JSON.stringify(templateData(status)));
    const result = run([
      "template",
      "render",
      `--template.glob=${TEMPLATES}`,
      `--template.data=${data}`,
      `--template.type=${type}`,
      `--template.text={{ template "${name}" . }}`,
    ]);
    expect(result.status, result.output).toBe(0);
    return result.output;
  };

  it("give Slack a short title with state, alert, model and severity", () => {
    expect(render("inferwatch.slack.title", "firing")).toBe("[FIRING:1] ModelNotLoaded penguins (critical)");
    expect(render("inferwatch.slack.title", "resolved")).toBe(
      "[RESOLVED] ModelNotLoaded penguins (critical)",
    );
    expect(render("inferwatch.slack.color", "resolved")).toBe("good");
  });

  it("give Slack each alert's summary and description", () => {
    const text = render("inferwatch.slack.text", "firing");
    expect(text).toContain("*Model penguins has no version loaded*");
    expect(text).toContain("No version of model penguins is ready on 127.0.0.1:8002");
  });

  it("link the runbook, the dashboard and a silence of exactly this group", () => {
    expect(render("inferwatch.runbook_url", "firing")).toBe(
      "https://example.com/MONITORING_DEPLOYMENT_GUIDE.md#modelnotloaded",
    );
    expect(render("inferwatch.dashboard_url", "firing")).toBe("http://localhost:3000/d/inferwatch-model");
    const silence = render("inferwatch.silence_url", "firing");
    expect(silence.startsWith("http://alertmanager.example.com:9093/#/silences/new?filter=")).toBe(true);
    expect(decodeURIComponent(silence.split("filter=")[1] ?? "")).toBe(
      '{alertname="ModelNotLoaded",job="inferwatch-ml-api",model_name="penguins"}',
    );
  });

  it("give email a subject that says state, severity, alert and what happened", () => {
    expect(render("inferwatch.email.subject", "firing")).toBe(
      "[inferwatch FIRING:1 critical] ModelNotLoaded penguins: Model penguins has no version loaded",
    );
    expect(render("inferwatch.email.subject", "resolved")).toMatch(/^\[inferwatch RESOLVED critical\] /);
  });

  it("give email a plain-text part with the alert, its times and every link", () => {
    const text = render("inferwatch.email.text", "resolved");
    expect(text).toContain("Resolved: ModelNotLoaded penguins (critical)");
    expect(text).toContain("resolved: 2026-11-22 10:05:00 UTC");
    for (const link of [
      "Runbook: https://example.com/",
      "Dashboard: http://localhost:3000/",
      "Silence: http://",
    ]) {
      expect(text).toContain(link);
    }
  });

  it("give email an HTML part that escapes what the alert says", () => {
    const html = render("inferwatch.email.html", "firing", "html");
    expect(html).toContain("&lt;inferwatch-ml-api&gt; &amp; more");
    expect(html).not.toContain("<inferwatch-ml-api>");
    expect(html).toContain(
      '<a href="https://example.com/MONITORING_DEPLOYMENT_GUIDE.md#modelnotloaded">Runbook</a>',
    );
  });
});

describe("the rendered Alertmanager config", () => {
  const secretsDir = join(tmp, "secrets");
  const rendered = renderAlertmanagerConfig(readFileSync(CONFIG, "utf8"), {
    secretsDir,
    configDir: dirname(CONFIG),
    smtpSmarthost: "127.0.0.1:2525",
    smtpRequireTls: false,
    groupWait: "1s",
    groupInterval: "2s",
  });
  const copy = parse(rendered, { merge: true }) as AmConfig & {
    templates: string[];
    route: { group_wait: string; routes: { group_wait?: string; group_interval?: string }[] };
  };

  it("reads every secret from the given folder, and templates from the committed folder", () => {
    const files = [...rendered.matchAll(/_file: (.+)$/gm)].map((m) => m[1] as string);
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => !f.startsWith(`${secretsDir}/`))).toEqual([]);
    expect(copy.templates).toEqual([join(dirname(CONFIG), "templates", "*.tmpl")]);
  });

  it("takes the SMTP relay and every route's timers from the options", () => {
    expect(copy.global).toMatchObject({ smtp_smarthost: "127.0.0.1:2525", smtp_require_tls: false });
    expect(copy.route.group_wait).toBe("1s");
    expect(copy.route.routes.filter((r) => r.group_wait && r.group_wait !== "1s")).toEqual([]);
    expect(copy.route.routes.filter((r) => r.group_interval && r.group_interval !== "2s")).toEqual([]);
  });

  it.skipIf(!existsSync(amtool))("passes amtool check-config", () => {
    const file = join(tmp, "rendered.yml");
    writeFileSync(file, rendered);
    const result = run(["check-config", file]);
    expect(result.status, result.output).toBe(0);
  });
});

describe("the native stack's Alertmanager config, before anyone gives it a webhook", () => {
  const ports = DEFAULT_PORTS;
  const render = (secrets: string[]) => {
    const secretsDir = mkdtempSync(join(tmp, "secrets-"));
    for (const name of secrets) writeFileSync(join(secretsDir, name), "http://127.0.0.1:1/hook\n");
    return renderAlertmanagerConfig(readFileSync(CONFIG, "utf8"), {
      secretsDir,
      configDir: dirname(CONFIG),
      ...alertmanagerDelivery(ports),
    });
  };
  type Receivers = { receivers: Record<string, unknown>[] };
  const integrations = (rendered: string) =>
    Object.fromEntries(
      (parse(rendered) as Receivers).receivers.map((r) => [
        r.name,
        Object.keys(r)
          .filter((k) => k.endsWith("_configs"))
          .sort(),
      ]),
    );

  it("mails Mailpit in plain SMTP and leaves out every Slack and webhook integration", () => {
    const rendered = render([]);
    expect((parse(rendered) as AmConfig).global).toMatchObject({
      smtp_smarthost: `127.0.0.1:${ports.mailpitSmtp}`,
      smtp_require_tls: false,
    });
    expect(integrations(rendered)).toEqual({
      pager: ["email_configs"],
      "slack-alerts": [],
      "slack-info": [],
      heartbeat: [],
    });
  });

  it("keeps each integration whose secret file exists", () => {
    expect(integrations(render(["slack-alerts-url", "heartbeat-url"]))).toEqual({
      pager: ["email_configs", "slack_configs"],
      "slack-alerts": ["slack_configs"],
      "slack-info": [],
      heartbeat: ["webhook_configs"],
    });
  });

  it.skipIf(!existsSync(amtool))("passes amtool check-config and routes as committed", () => {
    const file = join(tmp, "native.yml");
    writeFileSync(file, render([]));
    const check = run(["check-config", file]);
    expect(check.status, check.output).toBe(0);
    for (const [labels, receiver] of [
      [["alertname=Watchdog", "severity=info"], "heartbeat"],
      [["alertname=ModelNotLoaded", "severity=critical"], "pager"],
    ] as const) {
      const result = run([
        "config",
        "routes",
        "test",
        `--config.file=${file}`,
        `--verify.receivers=${receiver}`,
        ...labels,
      ]);
      expect(result.status, result.output).toBe(0);
    }
  });
});
