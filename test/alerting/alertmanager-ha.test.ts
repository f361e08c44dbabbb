import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Timescale } from "../../contract/duration.js";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { renderRuleFile, ruleFiles } from "../../prometheus/rules/rule-files.js";
import { type AlertingRule, isAlert } from "../../prometheus/rules/rule-model.js";
import {
  ALERTMANAGER_NODES,
  ALERTMANAGER_PEER_TIMEOUT_S,
  alertmanager,
  alertmanagers,
  alertmanagerWebPorts,
  type StackSettings,
  stackPortNames,
} from "../../stack/components.js";
import { binary, CONFIGS } from "../../stack/layout.js";
import { address, DEFAULT_PORTS, freePorts, type Ports } from "../../stack/ports.js";
import { renderPrometheusConfig } from "../../stack/prometheus-config.js";
import { type RunningStack, startStack } from "../../stack/stack.js";
import type { Supervised } from "../../stack/supervisor.js";
import { E2E_TUNING, stackUnavailable } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import {
  alertsHeld,
  clusterStatus,
  killHard,
  ownCounter,
  ownMetric,
  prometheusAlertmanagers,
  promQuery,
} from "./alertmanager-ha-cluster.js";
import { type Mail, type Post, SmtpSink, WebhookSink } from "./receivers.js";

/**
 * Alertmanager as a two-node cluster on the native stack: Prometheus sends every alert to both nodes, the
 * nodes gossip their notification log on loopback, and people get each notification once, from both nodes
 * or from the one left after the other is killed. A Slack that answers 500 is retried, and the news that it
 * fails reaches people by email.
 *
 * Time is compressed as in delivery.test.ts (rules sped up SPEEDUP times, scrape and evaluation every
 * second, group_wait 1 s, group_interval 2 s), except the cluster's own timing: the peer timeout is the
 * committed 15 s, so the wait for duplicates below is the one a production cluster would need.
 */

const SPEEDUP = 30;
const SMTP_USER = "inferwatch-alerts@example.com";
const SMTP_PASSWORD = "alertmanager-ha-password";
/** Two models, so that each phase causes a new alert: ModelNotLoaded for one, then for the other. */
const MODEL_A = "penguins";
const MODEL_B = "penguins-canary";
const GROUP_WAIT_S = 1;
const GROUP_INTERVAL_S = 2;
/** Per-step deadline for something to arrive; the compressed rules need well under a minute. */
const ARRIVE_MS = 90_000;

/**
 * How long after a notification a duplicate could still arrive, `live` nodes running. A node at cluster
 * position p waits p x peer timeout after its flush, then sends unless the gossiped notification log holds
 * the send; the nodes' flushes coincide (Prometheus sends to both in the same evaluation, both wait
 * group_wait). So the last chance of a duplicate is (live - 1) x peer timeout after the first send, plus a
 * group_interval in case a node flushes one interval later, plus a group_interval for a node that resends
 * its own unlogged send; 5 s on top cover delivery and scheduling on a loaded CI machine.
 */
const duplicateWindowMs = (live: number) =>
  ((live - 1) * ALERTMANAGER_PEER_TIMEOUT_S + 2 * GROUP_INTERVAL_S + 5) * 1000;

const unavailable = (() => {
  const stack = stackUnavailable();
  if (stack) return stack;
  if (existsSync(binary("alertmanager")) && existsSync(binary("amtool"))) return undefined;
  const why = "alertmanager not installed; run `bash stack/install.sh`";
  if (process.env.CI) throw new Error(`CI must run the Alertmanager cluster tests: ${why}`);
  return why;
})();
if (unavailable) process.stderr.write(`[alertmanager-ha] skipping the cluster tests: ${unavailable}\n`);

const say = (line: string) => process.stdout.write(`[alertmanager-ha] ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe("the clustered stack's configuration", () => {
  const settings = (nodes: 1 | 2): StackSettings => ({
    ports: DEFAULT_PORTS,
    runDir: "/run",
    api: "dist",
    tuning: {},
    retention: "7d",
    apiEnv: {},
    alertmanagerNodes: nodes,
  });

  it("runs one Alertmanager with clustering off unless asked for two, and needs no gossip port then", () => {
    const single = alertmanagers(settings(1));
    expect(single.map((c) => c.name)).toEqual(["alertmanager"]);
    expect(single[0]?.args).toContain("--cluster.listen-address=");
    expect(stackPortNames(settings(1))).not.toContain("alertmanagerCluster");
    expect(stackPortNames(settings(1))).not.toContain("alertmanagerPeer");
    expect(stackPortNames(settings(2))).toEqual(
      expect.arrayContaining(["alertmanagerPeer", "alertmanagerCluster"]),
    );
  });

  it("gossips each node on its own loopback port, advertised as such, with the other as its peer", () => {
    const [first, second] = alertmanagers(settings(2));
    const { ports } = settings(2);
    expect(first?.args).toEqual(
      expect.arrayContaining([
        `--cluster.listen-address=127.0.0.1:${ports.alertmanagerCluster}`,
        `--cluster.advertise-address=127.0.0.1:${ports.alertmanagerCluster}`,
        `--cluster.peer=127.0.0.1:${ports.alertmanagerPeerCluster}`,
        `--cluster.peer-timeout=${ALERTMANAGER_PEER_TIMEOUT_S}s`,
      ]),
    );
    expect(second?.args).toEqual(
      expect.arrayContaining([
        `--web.listen-address=127.0.0.1:${ports.alertmanagerPeer}`,
        `--cluster.peer=127.0.0.1:${ports.alertmanagerCluster}`,
      ]),
    );
    expect(() => alertmanager(settings(1), 1)).toThrow(RangeError);
  });

  it("renders a Prometheus config that sends alerts to, and scrapes, every node", () => {
    const rendered = parse(
      renderPrometheusConfig(readFileSync(CONFIGS.prometheus, "utf8"), {
        ports: DEFAULT_PORTS,
        alertmanagers: alertmanagerWebPorts(settings(2)),
      }),
    ) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const both = [address(DEFAULT_PORTS.alertmanager), address(DEFAULT_PORTS.alertmanagerPeer)];
    expect(
      rendered.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)),
    ).toEqual(both);
    const job = rendered.scrape_configs.find((j) => j.job_name === "alertmanager");
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(both);
  });
});

describe.skipIf(!existsSync(binary("amtool")))("routing of AlertmanagerNotificationsFailing", () => {
  const routed = (labels: string[]) => {
    const result = spawnSync(
      binary("amtool"),
      ["config", "routes", "test", `--config.file=${CONFIGS.alertmanager}`, ...labels],
      { encoding: "utf8" },
    );
    return result.stdout.trim();
  };
  const failing = ["alertname=AlertmanagerNotificationsFailing", "severity=warning", "job=alertmanager"];

  it("tells of a failing Slack through the pager, whose email still works", () => {
    expect(routed([...failing, "integration=slack"])).toBe("pager");
  });

  it("tells of a failing email or heartbeat on Slack, like any warning", () => {
    expect(routed([...failing, "integration=email"])).toBe("slack-alerts");
    expect(routed([...failing, "integration=webhook"])).toBe("slack-alerts");
  });
});

interface SlackMessage {
  attachments: { title: string; title_link: string }[];
}

let tmp = "";
let ports: Ports;
let stack: RunningStack | undefined;
let smtp: SmtpSink;
let slack: WebhookSink;
let hooks: WebhookSink;
let failed = false;
const figures: string[] = [];
/** When the stand-in answered Slack's webhook with 500 in the retry test. */
const outage = { from: 0, to: 0 };

const nodeUrl = (i: number) => {
  const node = ALERTMANAGER_NODES[i];
  if (!node) throw new Error(`no Alertmanager node ${i}`);
  return `http://${address(ports[node.web])}`;
};
const prometheusUrl = () => `http://${address(ports.prometheus)}`;
const apiUrl = (path: string) => `http://${address(ports.api)}${path}`;

function nodeProcess(i: number): Supervised {
  const name = ALERTMANAGER_NODES[i]?.name;
  const found = stack?.processes.find((p) => p.name === name);
  if (!found) throw new Error(`no process of Alertmanager node ${i}`);
  return found;
}

async function repository(model: string, action: "load" | "unload"): Promise<void> {
  const res = await fetch(apiUrl(`/v2/repository/models/${model}/${action}`), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: stack?.controlAuthorization ?? "" },
    body: "{}",
  });
  expect({ model, action, status: res.status, body: await res.text() }).toMatchObject({ status: 200 });
}

const slackTitle = (post: Post) => (post.body as SlackMessage).attachments?.[0]?.title ?? "";
/** Which node sent it: the links in every notification start with the sender's --web.external-url. */
const slackSender = (post: Post) =>
  ((post.body as SlackMessage).attachments?.[0]?.title_link ?? "").split("/#/")[0] ?? "";
const mailSender = (mail: Mail) => /All alerts: (\S+)\/#\//.exec(mail.mail.text ?? "")?.[1] ?? "";

type State = "FIRING" | "RESOLVED";
/** `ModelNotLoaded penguins` as titles and subjects name a group (alertname, then model_name if any). */
const slackMatches = (state: State, name: string) => new RegExp(`^\\[${state}(:\\d+)?\\] ${name} \\(`);
const mailMatches = (state: State, name: string) =>
  new RegExp(`^\\[inferwatch ${state}(:\\d+)? \\w+\\] ${name}:`);

/** Slack messages about `name` in `state` that Slack accepted (answered 200), since `since`. */
const slackDelivered = (state: State, name: string, since: number) =>
  slack.posts.filter(
    (p) =>
      p.at >= since &&
      p.path === "/slack/alerts" &&
      p.status === 200 &&
      slackMatches(state, name).test(slackTitle(p)),
  );
const mailsAbout = (state: State, name: string, since: number) =>
  smtp.mails.filter((m) => m.at >= since && mailMatches(state, name).test(m.mail.subject ?? ""));

/** Waits for the first Slack message and the first email about `name` in `state`. */
async function firstNotifications(state: State, name: string, since: number) {
  return Promise.all([
    eventually(`Slack: ${state} ${name}`, async () => slackDelivered(state, name, since)[0], {
      timeoutMs: ARRIVE_MS,
      intervalMs: 100,
      describe: () =>
        slack.posts
          .filter((p) => p.at >= since)
          .map((p) => `${p.status} ${slackTitle(p)}`)
          .join("; "),
    }),
    eventually(`email: ${state} ${name}`, async () => mailsAbout(state, name, since)[0], {
      timeoutMs: ARRIVE_MS,
      intervalMs: 100,
      describe: () =>
        smtp.mails
          .filter((m) => m.at >= since)
          .map((m) => m.mail.subject)
          .join("; "),
    }),
  ]);
}

/**
 * Watches for `windowMs` after `from` that no second Slack message or email about `name` arrives, failing
 * as soon as one does; then returns the counts, each of which must be 1.
 */
async function countAfterWindow(state: State, name: string, since: number, from: number, windowMs: number) {
  const counts = () => ({
    slack: slackDelivered(state, name, since).length,
    email: mailsAbout(state, name, since).length,
  });
  const deadline = from + windowMs;
  while (Date.now() < deadline) {
    const now = counts();
    if (now.slack > 1 || now.email > 1) break;
    // Polling the sinks, not synchronisation: the window is the deliberate wait (duplicateWindowMs).
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return counts();
}

describe.skipIf(unavailable !== undefined)("Alertmanager as a two-node cluster", () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "inferwatch-am-ha-"));
    smtp = await SmtpSink.start(SMTP_USER, SMTP_PASSWORD);
    slack = await WebhookSink.start();
    hooks = await WebhookSink.start();
    const secrets = join(tmp, "secrets");
    mkdirSync(secrets);
    writeFileSync(join(secrets, "smtp-password"), `${SMTP_PASSWORD}\n`);
    writeFileSync(join(secrets, "slack-alerts-url"), slack.url("/slack/alerts"));
    writeFileSync(join(secrets, "slack-info-url"), hooks.url("/slack/info"));
    writeFileSync(join(secrets, "heartbeat-url"), hooks.url("/heartbeat"));

    const rules = join(tmp, "prometheus", "rules");
    mkdirSync(rules, { recursive: true });
    for (const file of ruleFiles(new Timescale(SPEEDUP)))
      writeFileSync(join(rules, file.file), renderRuleFile(file));
    const models = join(tmp, "models");
    for (const model of [MODEL_A, MODEL_B]) {
      cpSync(join(BUNDLED_MODEL_REPOSITORY, "penguins"), join(models, model), { recursive: true });
    }

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
            groupWait: `${GROUP_WAIT_S}s`,
            groupInterval: `${GROUP_INTERVAL_S}s`,
          },
          prometheusRulesBase: join(tmp, "prometheus"),
          alertmanagerNodes: 2,
        },
        { readyTimeoutMs: 60_000 },
      );
    } catch (error) {
      failed = true;
      throw new Error(`the stack did not start (logs in ${tmp}/logs): ${(error as Error).message}`);
    }
    say(`stack with two Alertmanagers started in ${seconds(stack.startMs)}`);
  }, 120_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await smtp?.stop();
    await slack?.stop();
    await hooks?.stop();
    if (figures.length > 0) say(`figures:\n  ${figures.join("\n  ")}`);
    if (failed) process.stderr.write(`[alertmanager-ha] logs kept in ${tmp}/logs\n`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it("forms one cluster of two that Prometheus sends to and scrapes, node by node", async () => {
    const started = Date.now();
    const statuses = await eventually(
      "both nodes to see two peers and settle",
      async () => {
        const both = await Promise.all([clusterStatus(nodeUrl(0)), clusterStatus(nodeUrl(1))]);
        return both.every((s) => s.status === "ready" && s.peers.length === 2) ? both : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    figures.push(`cluster ready ${seconds(Date.now() - started)} after the stack`);
    expect(statuses[0]?.peers.map((p) => p.name).sort()).toEqual(ALERTMANAGER_NODES.map((n) => n.name));
    expect(await ownMetric(nodeUrl(0), "alertmanager_peer_position")).toBe(0);
    expect(await ownMetric(nodeUrl(1), "alertmanager_peer_position")).toBe(1);

    const targets = [nodeUrl(0), nodeUrl(1)].map((u) => u.replace("http://", ""));
    const sentTo = await eventually(
      "Prometheus to discover both Alertmanagers",
      async () => {
        const urls = await prometheusAlertmanagers(prometheusUrl());
        return urls.length === 2 ? urls : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(sentTo.map((u) => new URL(u).host).sort()).toEqual([...targets].sort());
    const up = await eventually(
      "both Alertmanagers scraped",
      async () => {
        const samples = await promQuery(prometheusUrl(), 'up{job="alertmanager"} == 1');
        return samples.length === 2 ? samples : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(up.map((s) => s.metric.instance).sort()).toEqual([...targets].sort());
  }, 120_000);

  it("notifies Slack and email exactly once per alert while both nodes run", async () => {
    const name = `ModelNotLoaded ${MODEL_A}`;
    const fault = Date.now();
    await repository(MODEL_A, "unload");
    const [post, mail] = await firstNotifications("FIRING", name, fault);
    figures.push(
      `both nodes: unload -> Slack ${seconds(post.at - fault)}, email ${seconds(mail.at - fault)}`,
    );

    // Both nodes hold the alert: Prometheus sent it to each, not to one of them.
    for (const i of [0, 1]) {
      const held = await alertsHeld(nodeUrl(i), "ModelNotLoaded");
      expect({ node: i, models: held.map((a) => a.labels.model_name) }).toEqual({
        node: i,
        models: [MODEL_A],
      });
    }
    // The first node in the cluster's order sent both; the second found them in the gossiped log.
    expect([slackSender(post), mailSender(mail)]).toEqual([nodeUrl(0), nodeUrl(0)]);

    const windowMs = duplicateWindowMs(2);
    const counts = await countAfterWindow("FIRING", name, fault, Math.max(post.at, mail.at), windowMs);
    figures.push(
      `both nodes: ${name} firing -> Slack ${counts.slack}, email ${counts.email} within ${seconds(windowMs)} of the last`,
    );
    expect(counts).toEqual({ slack: 1, email: 1 });
  }, 180_000);

  it("retries a Slack that answers 500 on both nodes, while the resolution reaches email from the first node only", async () => {
    const before = await Promise.all([0, 1].map((i) => slackRequestsFailed(i)));
    outage.from = Date.now();
    slack.status = 500;
    try {
      // Loading the model resolves ModelNotLoaded: the pager's resolved message is what Slack now refuses.
      await repository(MODEL_A, "load");
      const name = `ModelNotLoaded ${MODEL_A}`;
      const resolvedMail = await eventually(
        "the resolved email, which Slack's failure must not stop",
        async () => mailsAbout("RESOLVED", name, outage.from)[0],
        { timeoutMs: ARRIVE_MS, intervalMs: 100 },
      );
      expect(mailSender(resolvedMail)).toBe(nodeUrl(0));

      // The rule's expression, as Prometheus evaluates it on the pinned Alertmanager's metrics, finds each node
      // failing: both are scraped, and the second retried what the first could not deliver.
      const instances = new Set<string>();
      await eventually(
        "the AlertmanagerNotificationsFailing expression to find both nodes failing on slack",
        async () => {
          for (const s of await promQuery(prometheusUrl(), notificationsFailing().expr)) {
            if (s.metric.integration === "slack" && s.metric.instance) instances.add(s.metric.instance);
          }
          return instances.size === 2 ? true : undefined;
        },
        { timeoutMs: ARRIVE_MS, intervalMs: 500, describe: () => [...instances].join(", ") },
      );

      // Retries: the same resolved message POSTed again and again by each node, each answered 500.
      const refused = slack.posts.filter(
        (p) => p.at >= outage.from && p.status === 500 && slackMatches("RESOLVED", name).test(slackTitle(p)),
      );
      const bySender = [0, 1].map((i) => refused.filter((p) => slackSender(p) === nodeUrl(i)).length);
      const failedRequests = await Promise.all([0, 1].map((i) => slackRequestsFailed(i)));
      figures.push(
        `Slack 500s: the resolved message POSTed ${bySender.join(" and ")} times by the two nodes in ` +
          `${seconds(Date.now() - outage.from)}; requests_failed_total{integration="slack"} grew by ` +
          failedRequests.map((n, i) => n - (before[i] ?? 0)).join(" and "),
      );
      expect(bySender[0]).toBeGreaterThanOrEqual(3);
      // The second node sends only what the first has not delivered within the peer timeout, so which of its
      // messages it retries depends on timing; that it retries is what its own counter shows.
      expect((failedRequests[1] ?? 0) - (before[1] ?? 0)).toBeGreaterThanOrEqual(1);
      const resolvedMails = mailsAbout("RESOLVED", name, outage.from).map(
        (m) => `${mailSender(m)} after ${seconds(m.at - outage.from)}`,
      );
      figures.push(`resolved emails during the Slack outage: ${resolvedMails.join("; ")}`);
      // Only the first node emails: the second finds its sends in the gossiped log. The first resends its own
      // resolved email once its failed Slack attempt ends (the pinned Alertmanager, seen here every run; a single
      // node would do the same), so the count is reported, not required to be one.
      expect(resolvedMails.every((m) => m.startsWith(`${nodeUrl(0)} `))).toBe(true);
    } finally {
      outage.to = Date.now();
      slack.status = 200;
    }
    const late = await eventually(
      "the refused resolved message, delivered once Slack answers 200 again",
      async () => slackDelivered("RESOLVED", `ModelNotLoaded ${MODEL_A}`, outage.to)[0],
      { timeoutMs: ARRIVE_MS, intervalMs: 100 },
    );
    figures.push(`Slack back -> the refused message delivered ${seconds(late.at - outage.to)} later`);
  }, 240_000);

  it("fires AlertmanagerNotificationsFailing from the committed rule while Slack keeps failing, and emails it", async () => {
    // A new ModelNotLoaded whose Slack message every node keeps failing to send: each failed notification is
    // counted once its retries end, and the rule's window outlasts the retry period, so the alert fires and
    // the pager route takes it to email.
    const rule = notificationsFailing();
    const since = Date.now();
    slack.status = 500;
    try {
      await repository(MODEL_A, "unload");
      const mail = await eventually(
        "the rule's AlertmanagerNotificationsFailing email",
        async () => mailsAbout("FIRING", rule.alert, since)[0],
        { timeoutMs: ARRIVE_MS, intervalMs: 200 },
      );
      figures.push(
        `Slack failing -> AlertmanagerNotificationsFailing (window and for: sped up) email ${seconds(mail.at - since)}`,
      );
      expect(mail.mail.subject).toContain(`${rule.alert}: Alertmanager fails to send slack notifications`);
      expect(mail.mail.text).toContain("integration=slack");
    } finally {
      slack.status = 200;
      await repository(MODEL_A, "load");
    }
  }, 180_000);

  it("still notifies exactly once when a node is killed", async () => {
    await killHard(nodeProcess(0));
    const name = `ModelNotLoaded ${MODEL_B}`;
    const fault = Date.now();
    await repository(MODEL_B, "unload");
    const [post, mail] = await firstNotifications("FIRING", name, fault);
    figures.push(
      `one node (SIGKILL): unload -> Slack ${seconds(post.at - fault)}, email ${seconds(mail.at - fault)}`,
    );
    expect([slackSender(post), mailSender(mail)]).toEqual([nodeUrl(1), nodeUrl(1)]);

    const windowMs = duplicateWindowMs(1);
    const counts = await countAfterWindow("FIRING", name, fault, Math.max(post.at, mail.at), windowMs);
    figures.push(
      `one node: ${name} firing -> Slack ${counts.slack}, email ${counts.email} within ${seconds(windowMs)} of the last`,
    );
    expect(counts).toEqual({ slack: 1, email: 1 });
    // The survivor noticed: alone, it is first in line.
    expect(await ownMetric(nodeUrl(1), "alertmanager_cluster_members")).toBe(1);
    expect(await ownMetric(nodeUrl(1), "alertmanager_peer_position")).toBe(0);
  }, 180_000);
});

/** The committed AlertmanagerNotificationsFailing rule, sped up as the stack loads it. */
function notificationsFailing(): AlertingRule {
  const rule = ruleFiles(new Timescale(SPEEDUP))
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .filter(isAlert)
    .find((r) => r.alert === "AlertmanagerNotificationsFailing");
  if (!rule) throw new Error("the rules define no AlertmanagerNotificationsFailing");
  return rule;
}

/** Slack requests a node has had refused so far (each retry counts). */
function slackRequestsFailed(node: number): Promise<number> {
  return ownCounter(nodeUrl(node), "alertmanager_notification_requests_failed_total", {
    integration: "slack",
  });
}
