import { type ChildProcess, spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../stack/layout.js";
import type { Ports } from "../../stack/ports.js";
import { startScratchStack } from "../../stack/scratch-stack.js";
import { npmRunStackSettings } from "../../stack/settings.js";
import { scrape } from "../support/prometheus-text.js";
import { type E2EStack, stackUnavailable, stopAfterTests } from "./e2e-stack.js";
import { eventually } from "./eventually.js";
import { PrometheusApi } from "./prometheus-api.js";

/**
 * A newcomer's first minutes: the stack as `npm run stack` starts it (committed intervals and timers, no
 * secrets in alertmanager/secrets/, alert email to its Mailpit), left idle, then given `npm run traffic` with
 * its defaults. Nothing but the Watchdog may go pending or fire, and no notification may fail: a first alert
 * must be a true one. Then an alert that pages must land in Mailpit, where the README sends people to read it.
 *
 * Differences from `npm run stack`, none of which changes what alerts: free ports and a temporary run folder,
 * an empty secrets folder (as a fresh clone has; a developer's own alertmanager/secrets/ is not read), and the
 * API run from its sources by tsx instead of the ml-api/dist/ that `npm run stack` builds first.
 */

/** How long the stack stays idle, then how long the traffic generator sends. */
const IDLE_MS = 120_000;
const TRAFFIC_MS = 120_000;
/** Rules are evaluated every 15 s as committed: an evaluation after a moment is at most this far behind. */
const EVALUATION_MS = 15_000;
/** Alertmanager's committed group_wait for the pager, with room for the SMTP exchange. */
const PAGE_MS = 60_000;
const POLL_MS = 5_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[e2e] skipping the fresh-stack test: ${skip}\n`);

let e2e: E2EStack | undefined;
let prom: PrometheusApi;
const url = (port: keyof Ports, path = "") => `${e2e?.url(port)}${path}`;

/** Labels that tell one alert instance from another, for a readable failure. */
const ALERT_LABELS = ["alertname", "alertstate", "severity", "job", "model_name", "model_version", "feature"];
const describeAlert = (labels: Record<string, string>) =>
  ALERT_LABELS.filter((l) => labels[l] !== undefined)
    .map((l) => `${l}=${labels[l]}`)
    .join(" ");

/** Every alert but the Watchdog that Prometheus held pending or firing in the last `ms`. */
async function alertsBesidesWatchdog(ms: number): Promise<string[]> {
  const samples = await prom.query(`max_over_time(ALERTS{alertname!="Watchdog"}[${Math.ceil(ms / 1000)}s])`);
  return samples.map((s) => describeAlert(s.metric)).sort();
}

/**
 * Watches Prometheus's active alerts until `done` settles or `ms` pass, whichever is later: each alert but
 * the Watchdog that was pending or firing, with the last value of its expression (why it was).
 */
async function watchAlerts(
  ms: number,
  done: Promise<unknown> = Promise.resolve(),
): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  const until = Date.now() + ms;
  let settled = false;
  void done.finally(() => {
    settled = true;
  });
  while (Date.now() < until || !settled) {
    const res = await fetch(url("prometheus", "/api/v1/alerts"));
    const body = (await res.json()) as {
      data: { alerts: { labels: Record<string, string>; state: string; value: string }[] };
    };
    for (const alert of body.data.alerts) {
      if (alert.labels.alertname === "Watchdog") continue;
      seen[describeAlert({ ...alert.labels, alertstate: alert.state })] = alert.value;
    }
    // Alerts change at evaluations, every EVALUATION_MS: polling faster misses none.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return seen;
}

/** Sum of an Alertmanager counter over all its series (integrations, reasons). */
async function alertmanagerCounter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const samples = await scrape(url("alertmanager", "/metrics"));
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

interface Traffic {
  exited: Promise<{ code: number | null; output: string }>;
  /** Ends it early (a failed test): npm passes no signal on, so its whole process group is ended. */
  kill(): void;
}

/** `npm run traffic` with its defaults, against this stack's API, for TRAFFIC_MS. */
function defaultTraffic(): Traffic {
  const child: ChildProcess = spawn(
    "npm",
    ["run", "--silent", "traffic", "--", `--url=${url("api")}`, `--duration=${TRAFFIC_MS / 1000}`],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, output })),
  );
  return {
    exited,
    kill() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    },
  };
}

describe.skipIf(skip !== undefined)("a fresh `npm run stack`, idle and then with default traffic", () => {
  beforeAll(async () => {
    e2e = await startScratchStack("fresh", { ...npmRunStackSettings(), api: "source" });
    prom = new PrometheusApi(url("prometheus"));
  }, 120_000);
  stopAfterTests(() => e2e);

  it(
    "raises no alert but the Watchdog, and no notification fails",
    async () => {
      if (!e2e) throw new Error("no stack");
      // The rules run and reach Alertmanager: without this the silence below would prove nothing.
      let watchdog = "";
      await eventually(
        "the Watchdog firing in Prometheus and active in Alertmanager",
        async () => {
          const firing = await prom.query('ALERTS{alertname="Watchdog", alertstate="firing"}');
          const res = await fetch(url("alertmanager", "/api/v2/alerts"));
          const active = (await res.json()) as { labels: Record<string, string> }[];
          watchdog = `Prometheus: ${firing.length} firing; Alertmanager: [${active.map((a) => a.labels.alertname)}]`;
          return firing.length > 0 && active.some((a) => a.labels.alertname === "Watchdog")
            ? true
            : undefined;
        },
        { timeoutMs: 4 * EVALUATION_MS, intervalMs: 1000, describe: () => watchdog },
      );
      const started = Date.now();

      const idle = await watchAlerts(IDLE_MS);

      const traffic = defaultTraffic();
      let busy: Record<string, string>;
      try {
        busy = await watchAlerts(TRAFFIC_MS, traffic.exited);
      } finally {
        traffic.kill();
      }
      const { code, output } = await traffic.exited;
      expect(code, output).toBe(0);
      process.stderr.write(`[fresh-stack] npm run traffic:\n${output}\n`);

      // One more evaluation of every group of alerts after the traffic, then the whole stretch at once.
      const end = Date.now();
      await eventually(
        "every group of alerts evaluated after the traffic",
        async () => {
          const res = await fetch(url("prometheus", "/api/v1/rules"));
          const { data } = (await res.json()) as {
            data: { groups: { lastEvaluation: string; rules: { type: string }[] }[] };
          };
          const alerting = data.groups.filter((g) => g.rules.some((r) => r.type === "alerting"));
          return alerting.length > 0 && alerting.every((g) => Date.parse(g.lastEvaluation) > end)
            ? true
            : undefined;
        },
        { timeoutMs: 2 * EVALUATION_MS, intervalMs: 1000 },
      );
      const whole = await alertsBesidesWatchdog(Date.now() - started);

      const activeInAlertmanager = (
        (await (await fetch(url("alertmanager", "/api/v2/alerts"))).json()) as {
          labels: Record<string, string>;
        }[]
      ).map((a) => a.labels.alertname);

      expect({
        idle,
        withTraffic: busy,
        wholeStretch: whole,
        activeInAlertmanager: [...new Set(activeInAlertmanager)],
        failedNotifications: await alertmanagerCounter("alertmanager_notifications_failed_total"),
        prometheusSendErrors: (await prom.query("sum(prometheus_notifications_errors_total)"))[0]?.value ?? 0,
      }).toEqual({
        idle: {},
        withTraffic: {},
        wholeStretch: [],
        activeInAlertmanager: ["Watchdog"],
        failedNotifications: 0,
        prometheusSendErrors: 0,
      });
    },
    IDLE_MS + TRAFFIC_MS + 4 * EVALUATION_MS + 60_000,
  );

  it(
    "delivers a page to Mailpit, readable where `npm run stack` says",
    async () => {
      const alertname = "FreshStackInboxCheck";
      const res = await fetch(url("alertmanager", "/api/v2/alerts"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          {
            labels: { alertname, severity: "critical", job: "fresh-stack-test" },
            annotations: { summary: "A page sent by the fresh-stack test" },
            startsAt: new Date().toISOString(),
          },
        ]),
      });
      expect(res.status).toBe(200);

      interface MailpitMessage {
        Subject: string;
        To: { Address: string }[];
      }
      const mail = await eventually(
        `an email about ${alertname} in Mailpit`,
        async () => {
          const list = (await (await fetch(url("mailpit", "/api/v1/messages"))).json()) as {
            messages: MailpitMessage[];
          };
          return list.messages.find((m) => m.Subject.includes(alertname));
        },
        { timeoutMs: PAGE_MS, intervalMs: 1000 },
      );
      expect(mail.Subject).toMatch(/^\[inferwatch FIRING:1 critical\] /);
      expect(mail.To.map((t) => t.Address)).toEqual(["oncall@example.com"]);

      const page = await fetch(url("mailpit", "/view/latest.html"));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(alertname);
      expect(await alertmanagerCounter("alertmanager_notifications_total", { integration: "email" })).toBe(1);
      expect(await alertmanagerCounter("alertmanager_notifications_failed_total")).toBe(0);
    },
    PAGE_MS + 30_000,
  );
});
