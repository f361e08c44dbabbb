import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MIN_EVENTS_IN_LONG_WINDOW, QUALITY } from "../../contract/alerting-config.js";
import { Timescale } from "../../contract/duration.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";
import { renderRuleFile, ruleFiles } from "../../prometheus/rules/rule-files.js";
import { collector } from "../../stack/components.js";
import { binary, REPO_ROOT } from "../../stack/layout.js";
import { address, freePorts, type Ports } from "../../stack/ports.js";
import { waitUntilReady } from "../../stack/readiness.js";
import { type RunningStack, startStack } from "../../stack/stack.js";
import { Supervised } from "../../stack/supervisor.js";
import { FeedbackLoop } from "../../traffic/feedback-loop.js";
import { labelledRows } from "../../traffic/labelled-rows.js";
import { seeded } from "../../traffic/random.js";
import { v2Body } from "../../traffic/request-mix.js";
import { readRecords } from "../../traffic/row-replay.js";
import { E2E_TUNING, stackUnavailable } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import { repositoryWithHeavyVersion } from "./heavy-model.js";
import { type Mail, type Post, SmtpSink, WebhookSink } from "./receivers.js";

/**
 * Alerts delivered end to end: the native stack (ML API, collector, Prometheus, Alertmanager) with a real
 * SMTP server and a stand-in for Slack's webhooks, faults caused through the API and the processes
 * themselves, and the notifications people would get checked for content, resolution and inhibition.
 *
 * Time is compressed: Prometheus loads the same rules generated with every window and `for:` divided by
 * SPEEDUP (a 1 h burn-rate window becomes 2 min, `for: 1m` becomes 2 s), the stack scrapes and evaluates
 * every second, and Alertmanager groups within 1-2 s. Thresholds, SLO targets and expressions are the
 * committed ones.
 */

const SPEEDUP = 30;
const MODEL = "penguins";
/** The deliberately slow version: about 0.25 s per request (100 MatMuls of 512x512) against a 0.1 s SLO. */
const HEAVY = { model: MODEL, from: "2", version: "3", size: 512, matmuls: 100 };
const SMTP_USER = "inferwatch-alerts@example.com";
const SMTP_PASSWORD = "delivery-test-password";
/** Per-fault deadline for a notification; the compressed windows need well under a minute. */
const NOTIFY_MS = 90_000;
const PHASE_MS = 240_000;

const unavailable = (() => {
  const stack = stackUnavailable();
  if (stack) return stack;
  if (existsSync(binary("alertmanager"))) return undefined;
  const why = "alertmanager not installed; run `bash stack/install.sh`";
  if (process.env.CI) throw new Error(`CI must run the delivery tests: ${why}`);
  return why;
})();
if (unavailable) process.stderr.write(`[alerting] skipping the delivery tests: ${unavailable}\n`);

interface SlackMessage {
  attachments: {
    title: string;
    title_link: string;
    text: string;
    color: string;
    actions: { text: string; url: string }[];
  }[];
}

let tmp = "";
let models = "";
let stack: RunningStack | undefined;
let ports: Ports;
let smtp: SmtpSink;
let hooks: WebhookSink;
let failed = false;
const timings: string[] = [];

const apiUrl = (path: string) => `http://${address(ports.api)}${path}`;
const amUrl = () => `http://${address(ports.alertmanager)}`;

/** Steady inference traffic to the model's latest version, one request at a time, at `rate` per second. */
class Traffic {
  rate = 4;
  readonly statuses = new Map<number, number>();
  private running = true;
  private done: Promise<void> = Promise.resolve();

  start(body: string): void {
    this.done = (async () => {
      while (this.running) {
        const started = Date.now();
        try {
          const res = await fetch(apiUrl(`/v2/models/${MODEL}/infer`), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
        } catch {
          this.statuses.set(0, (this.statuses.get(0) ?? 0) + 1);
        }
        // Pacing, not synchronisation: the next request leaves 1/rate after this one did.
        const wait = 1000 / this.rate - (Date.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
const traffic = new Traffic();

async function repository(action: "load" | "unload", version?: string): Promise<void> {
  const res = await fetch(apiUrl(`/v2/repository/models/${MODEL}/${action}`), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: stack?.controlAuthorization ?? "" },
    body: JSON.stringify(version ? { parameters: { version } } : {}),
  });
  expect({ action, version, status: res.status, body: await res.text() }).toMatchObject({ status: 200 });
}

const slackTitle = (post: Post) => (post.body as SlackMessage).attachments?.[0]?.title ?? "";

/** The first Slack message to `path` since `since` whose title starts with `prefix` and names `alert`. */
function slackMessage(path: string, prefix: string, alert: string, since: number, timeoutMs = NOTIFY_MS) {
  return eventually(
    `Slack ${path}: "${prefix}... ${alert}"`,
    async () =>
      hooks.posts.find(
        (p) =>
          p.path === path &&
          p.at >= since &&
          slackTitle(p).startsWith(prefix) &&
          slackTitle(p).includes(alert),
      ),
    {
      timeoutMs,
      intervalMs: 100,
      describe: () =>
        hooks.posts
          .filter((p) => p.at >= since)
          .map((p) => `${p.path} ${slackTitle(p)}`)
          .join("; "),
    },
  );
}

/** The first email since `since` whose subject starts with `prefix` and names `alert`. */
function email(prefix: string, alert: string, since: number, timeoutMs = NOTIFY_MS): Promise<Mail> {
  return eventually(
    `an email "${prefix}... ${alert}"`,
    async () =>
      smtp.mails.find(
        (m) =>
          m.at >= since &&
          (m.mail.subject ?? "").startsWith(prefix) &&
          (m.mail.subject ?? "").includes(alert),
      ),
    {
      timeoutMs,
      intervalMs: 100,
      describe: () =>
        `${smtp.mails
          .filter((m) => m.at >= since)
          .map((m) => m.mail.subject)
          .join("; ")}; refused logins: ${smtp.refused.length}`,
    },
  );
}

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

/** Waits until Alertmanager holds `alert` as active but inhibited: it fired, and the inhibition caught it. */
async function inhibited(alert: string, labels: Record<string, string>): Promise<AmAlert> {
  const filter = [`alertname="${alert}"`, ...Object.entries(labels).map(([k, v]) => `${k}="${v}"`)];
  let seen = "";
  return eventually(
    `${alert} to be active in Alertmanager and inhibited`,
    async () => {
      const url = new URL("/api/v2/alerts", amUrl());
      for (const f of filter) url.searchParams.append("filter", f);
      const alerts = (await (await fetch(url)).json()) as AmAlert[];
      seen = JSON.stringify(alerts.map((a) => a.status));
      return alerts.find((a) => a.status.state === "suppressed" && a.status.inhibitedBy.length > 0);
    },
    { timeoutMs: NOTIFY_MS, intervalMs: 250, describe: () => seen },
  );
}

/** Notifications about `alert` firing that reached Slack or email since `since`: must be none when inhibited. */
function deliveredFiring(alert: string, since: number): string[] {
  return [
    ...hooks.posts
      .filter(
        (p) => p.at >= since && slackTitle(p).startsWith("[FIRING") && slackTitle(p).includes(` ${alert} `),
      )
      .map((p) => `Slack: ${slackTitle(p)}`),
    ...smtp.mails
      .filter(
        (m) =>
          m.at >= since &&
          (m.mail.subject ?? "").includes(`FIRING`) &&
          new RegExp(`\\] ${alert}[ :]`).test(m.mail.subject ?? ""),
      )
      .map((m) => `email: ${m.mail.subject}`),
  ];
}

function record(what: string, from: number, slack: Post, mail: Mail): void {
  const line = `${what}: Slack ${((slack.at - from) / 1000).toFixed(1)} s, email ${((mail.at - from) / 1000).toFixed(1)} s`;
  timings.push(line);
  process.stdout.write(`[alerting] ${line}\n`);
}

/** Checks a firing notification pair: Slack's title, text and buttons, the email's subject and both parts. */
function expectFiring(slack: Post, mail: Mail, alert: string, model: string | undefined, summary: string) {
  const message = (slack.body as SlackMessage).attachments[0];
  const name = model ? `${alert} ${model}` : alert;
  expect(message?.title).toBe(`[FIRING:1] ${name} (critical)`);
  expect(message?.text).toContain(`*${summary}*`);
  expect(message?.color).toBe("danger");
  const buttons = Object.fromEntries((message?.actions ?? []).map((a) => [a.text, a.url]));
  expect(buttons.Runbook).toMatch(new RegExp(`MONITORING_DEPLOYMENT_GUIDE\\.md#${alert.toLowerCase()}$`));
  expect(buttons.Dashboard).toMatch(/^http:\/\/localhost:3000\/d\/inferwatch-/);
  expect(buttons.Silence?.startsWith(`${amUrl()}/#/silences/new?filter=`)).toBe(true);
  expect(decodeURIComponent(buttons.Silence?.split("filter=")[1] ?? "")).toContain(`alertname="${alert}"`);

  expect(mail.user).toBe(SMTP_USER);
  expect(mail.mail.subject).toBe(`[inferwatch FIRING:1 critical] ${name}: ${summary}`);
  const to = Array.isArray(mail.mail.to) ? mail.mail.to : [mail.mail.to];
  expect(to.flatMap((t) => t?.value.map((v) => v.address))).toEqual(["oncall@example.com"]);
  expect(mail.mail.text).toContain(summary);
  expect(mail.mail.text).toContain("Runbook: https://");
  expect(mail.mail.html || "").toContain(`<strong>${summary}</strong>`);
}

describe.skipIf(unavailable !== undefined)("alerts delivered end to end", () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "inferwatch-alerting-"));
    smtp = await SmtpSink.start(SMTP_USER, SMTP_PASSWORD);
    hooks = await WebhookSink.start();
    const secrets = join(tmp, "secrets");
    mkdirSync(secrets);
    writeFileSync(join(secrets, "smtp-password"), `${SMTP_PASSWORD}\n`);
    writeFileSync(join(secrets, "slack-alerts-url"), hooks.url("/slack/alerts"));
    writeFileSync(join(secrets, "slack-info-url"), hooks.url("/slack/info"));
    writeFileSync(join(secrets, "heartbeat-url"), hooks.url("/heartbeat"));

    const rules = join(tmp, "prometheus", "rules");
    mkdirSync(rules, { recursive: true });
    for (const file of ruleFiles(new Timescale(SPEEDUP)))
      writeFileSync(join(rules, file.file), renderRuleFile(file));
    models = repositoryWithHeavyVersion(HEAVY);

    ports = await freePorts();
    try {
      stack = await startStack(
        {
          ports,
          runDir: tmp,
          api: "source",
          tuning: E2E_TUNING,
          retention: "1h",
          apiEnv: { MODEL_REPOSITORY: models },
          alertmanager: {
            secretsDir: secrets,
            smtpSmarthost: `127.0.0.1:${smtp.port}`,
            smtpRequireTls: false,
            groupWait: "1s",
            groupInterval: "2s",
          },
          prometheusRulesBase: join(tmp, "prometheus"),
        },
        { readyTimeoutMs: 60_000 },
      );
    } catch (error) {
      failed = true;
      throw new Error(`the stack did not start (logs in ${tmp}/logs): ${(error as Error).message}`);
    }
    process.stdout.write(`[alerting] stack started in ${(stack.startMs / 1000).toFixed(1)} s\n`);

    // The heavy version waits unloaded, as a new version would before its deploy.
    await repository("unload", HEAVY.version);
    const profile = JSON.parse(
      readFileSync(join(models, MODEL, "2", "profile.json"), "utf8"),
    ) as ModelProfile;
    const row = {
      bill_length_mm: 39.1,
      bill_depth_mm: 18.7,
      flipper_length_mm: 181,
      body_mass_g: 3750,
      island: "Torgersen",
    };
    traffic.start(JSON.stringify(v2Body(profile, [row])));
    // The burn-rate alerts stay quiet until their long window holds enough requests (the low-traffic
    // guard): faults start once it does, as they would on a service in use.
    await eventually(
      `${MIN_EVENTS_IN_LONG_WINDOW} answered requests`,
      async () => ((traffic.statuses.get(200) ?? 0) >= MIN_EVENTS_IN_LONG_WINDOW ? true : undefined),
      { timeoutMs: 60_000, describe: () => JSON.stringify(Object.fromEntries(traffic.statuses)) },
    );
  }, 180_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    await traffic.stop();
    await stack?.stop();
    await smtp?.stop();
    await hooks?.stop();
    if (timings.length > 0)
      process.stdout.write(`[alerting] fault to notification:\n  ${timings.join("\n  ")}\n`);
    process.stdout.write(
      `[alerting] traffic answers by status: ${JSON.stringify(Object.fromEntries(traffic.statuses))}\n`,
    );
    if (failed) process.stderr.write(`[alerting] logs kept in ${tmp}/logs\n`);
    else rmSync(tmp, { recursive: true, force: true });
    if (models) rmSync(models, { recursive: true, force: true });
  }, 60_000);

  it(
    "pages ModelNotLoaded by Slack and email when the model is unloaded, mutes its error alerts, and resolves after the load",
    async () => {
      const fault = Date.now();
      await repository("unload");
      const summary = `Model ${MODEL} has no version loaded`;
      const [slack, mail] = await Promise.all([
        slackMessage("/slack/alerts", "[FIRING", "ModelNotLoaded", fault),
        email("[inferwatch FIRING", "ModelNotLoaded", fault),
      ]);
      record("model unloaded -> ModelNotLoaded", fault, slack, mail);
      expectFiring(slack, mail, "ModelNotLoaded", MODEL, summary);
      expect((slack.body as SlackMessage).attachments[0]?.text).toContain(
        `No version of model ${MODEL} is ready`,
      );

      // The requests now failing page through the service's availability SLO; the model's stays quiet while
      // no version is ready (slo-rules.ts), and its error ratio is muted by ModelNotLoaded.
      const [sloSlack, sloMail] = await Promise.all([
        slackMessage("/slack/alerts", "[FIRING", "ServiceAvailabilityBudgetBurn", fault),
        email("[inferwatch FIRING", "ServiceAvailabilityBudgetBurn", fault),
      ]);
      record("model unloaded -> ServiceAvailabilityBudgetBurn", fault, sloSlack, sloMail);

      const muted = await inhibited("InferenceErrorRatioHigh", { model_name: MODEL });
      expect(muted.labels.model_name).toBe(MODEL);
      expect(deliveredFiring("InferenceErrorRatioHigh", fault)).toEqual([]);
      // Same windows as the service's burn, which has paged by now: had the model's fired, it would have too.
      expect(deliveredFiring("ModelAvailabilityBudgetBurn", fault)).toEqual([]);

      const fix = Date.now();
      await repository("load", "1");
      await repository("load", "2");
      const [resolvedSlack, resolvedMail] = await Promise.all([
        slackMessage("/slack/alerts", "[RESOLVED]", "ModelNotLoaded", fix),
        email("[inferwatch RESOLVED", "ModelNotLoaded", fix),
      ]);
      record("model loaded -> ModelNotLoaded resolved", fix, resolvedSlack, resolvedMail);
      expect(slackTitle(resolvedSlack)).toBe(`[RESOLVED] ModelNotLoaded ${MODEL} (critical)`);
      expect((resolvedSlack.body as SlackMessage).attachments[0]?.color).toBe("good");
      expect(resolvedMail.mail.subject).toBe(
        `[inferwatch RESOLVED critical] ModelNotLoaded ${MODEL}: ${summary}`,
      );
    },
    PHASE_MS,
  );

  it(
    "pages ModelLatencyBudgetBurn when a heavy version serves, and resolves once it is unloaded",
    async () => {
      // The heavy version holds the event loop ~0.25 s per request: fewer requests keep the CPU for others.
      traffic.rate = 2;
      const fault = Date.now();
      await repository("load", HEAVY.version);
      const summary = `Model ${MODEL} on inferwatch-ml-api is fast burning its latency error budget`;
      const [slack, mail] = await Promise.all([
        slackMessage("/slack/alerts", "[FIRING", "ModelLatencyBudgetBurn", fault),
        email("[inferwatch FIRING", "ModelLatencyBudgetBurn", fault),
      ]);
      record("heavy version loaded -> ModelLatencyBudgetBurn", fault, slack, mail);
      expectFiring(slack, mail, "ModelLatencyBudgetBurn", MODEL, summary);
      expect((slack.body as SlackMessage).attachments[0]?.text).toContain("slower than 0.1 s");

      const fix = Date.now();
      await repository("unload", HEAVY.version);
      traffic.rate = 4;
      const [resolvedSlack, resolvedMail] = await Promise.all([
        slackMessage("/slack/alerts", "[RESOLVED]", "ModelLatencyBudgetBurn", fix),
        email("[inferwatch RESOLVED", "ModelLatencyBudgetBurn", fix),
      ]);
      record("heavy version unloaded -> ModelLatencyBudgetBurn resolved", fix, resolvedSlack, resolvedMail);
    },
    PHASE_MS,
  );

  it(
    "pages CollectorDown when the collector stops, mutes the missing API telemetry, and resolves after a restart",
    async () => {
      const running = stack?.processes.find((p) => p.name === "otelcol" && !p.exitStatus);
      if (!stack || !running) throw new Error("no running collector");
      const fault = Date.now();
      await running.stop();
      const [slack, mail] = await Promise.all([
        slackMessage("/slack/alerts", "[FIRING", "CollectorDown", fault),
        email("[inferwatch FIRING", "CollectorDown", fault),
      ]);
      record("collector stopped -> CollectorDown", fault, slack, mail);
      expectFiring(slack, mail, "CollectorDown", undefined, "The OpenTelemetry Collector is down");

      await inhibited("MLApiTelemetryMissing", {});
      expect(deliveredFiring("MLApiTelemetryMissing", fault)).toEqual([]);

      const fix = Date.now();
      const component = collector(stack.settings);
      const restarted = Supervised.launch({
        name: component.name,
        command: component.command,
        args: component.args,
        env: { ...process.env, ...component.env } as Record<string, string>,
        cwd: REPO_ROOT,
        logFile: join(tmp, "logs", "otelcol-restarted.log"),
      });
      // stop() stops every process in this list, the restarted collector included.
      stack.processes.push(restarted);
      await waitUntilReady(component.readyUrl, restarted, { timeoutMs: 30_000 });
      const [resolvedSlack, resolvedMail] = await Promise.all([
        slackMessage("/slack/alerts", "[RESOLVED]", "CollectorDown", fix),
        email("[inferwatch RESOLVED", "CollectorDown", fix),
      ]);
      record("collector restarted -> CollectorDown resolved", fix, resolvedSlack, resolvedMail);
    },
    PHASE_MS,
  );

  it(
    "pages ModelAccuracyBelowBaseline by Slack and email when the labels say the model is wrong, and resolves when they say it is right again",
    async () => {
      const profile = JSON.parse(
        readFileSync(join(models, MODEL, "2", "profile.json"), "utf8"),
      ) as ModelProfile;
      const records = readRecords(join(models, MODEL, "2", "heldout.csv"));
      const rows = labelledRows(profile, [profile], records, "species");
      const labels = (labelNoise: number, signal: AbortSignal) =>
        new FeedbackLoop(rows, seeded(3), {
          predictUrl: apiUrl(""),
          feedbackUrl: apiUrl(""),
          model: MODEL,
          authorization: stack?.controlAuthorization ?? "",
          share: 1,
          delayMs: 0,
          labelNoise,
          classes: profile.classes,
          signal,
        }).run(Number.POSITIVE_INFINITY, 4);

      const fault = Date.now();
      const flipping = new AbortController();
      const flipped = labels(1, flipping.signal);
      const [slack, mail] = await Promise.all([
        slackMessage("/slack/alerts", "[FIRING", "ModelAccuracyBelowBaseline", fault),
        email("[inferwatch FIRING", "ModelAccuracyBelowBaseline", fault),
      ]).finally(() => flipping.abort());
      const sent = await flipped;
      record("every label flipped -> ModelAccuracyBelowBaseline", fault, slack, mail);
      expect(sent.flipped).toBe(sent.accepted);
      expect(slackTitle(slack)).toBe(`[FIRING:1] ModelAccuracyBelowBaseline ${MODEL} (critical)`);
      expect(mail.mail.subject).toMatch(
        new RegExp(
          `^\\[inferwatch FIRING:1 critical\\] ModelAccuracyBelowBaseline ${MODEL}: Model ${MODEL} version \\d+ is right on at most`,
        ),
      );

      // The flipped labels leave the alert's window only once it has passed: resolution takes that long.
      const fix = Date.now();
      const truthful = new AbortController();
      const honest = labels(0, truthful.signal);
      const resolveMs = new Timescale(SPEEDUP).seconds(QUALITY.alertWindow) * 1000 + NOTIFY_MS;
      const [resolvedSlack, resolvedMail] = await Promise.all([
        slackMessage("/slack/alerts", "[RESOLVED]", "ModelAccuracyBelowBaseline", fix, resolveMs),
        email("[inferwatch RESOLVED", "ModelAccuracyBelowBaseline", fix, resolveMs),
      ]).finally(() => truthful.abort());
      await honest;
      record("labels right again -> ModelAccuracyBelowBaseline resolved", fix, resolvedSlack, resolvedMail);
      expect((resolvedSlack.body as SlackMessage).attachments[0]?.color).toBe("good");
    },
    2 * PHASE_MS,
  );

  it(
    "sends the Watchdog to the heartbeat receiver, and only there",
    async () => {
      // Last, because Prometheus sends its first alerts before it has found Alertmanager and re-sends a
      // still-firing alert only after a minute (--rules.alert.resend-delay); by now that minute has passed.
      const post = await eventually(
        "a Watchdog heartbeat",
        async () => hooks.posts.find((p) => p.path === "/heartbeat"),
        { timeoutMs: NOTIFY_MS, intervalMs: 100 },
      );
      const body = post.body as { alerts: { labels: Record<string, string> }[] };
      expect(body.alerts.map((a) => a.labels.alertname)).toEqual(["Watchdog"]);
      expect(
        hooks.posts.filter((p) => p.path.startsWith("/slack") && slackTitle(p).includes("Watchdog")),
      ).toEqual([]);
    },
    PHASE_MS,
  );
});
