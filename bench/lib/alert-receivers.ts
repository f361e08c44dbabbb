import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { SECRETS_PREFIX } from "../../alertmanager/config-render.js";
import type { StackSettings } from "../../stack/components.js";
import { CONFIGS } from "../../stack/layout.js";
import { type Mail, type Post, SmtpSink, WebhookSink } from "../../test/alerting/receivers.js";

/**
 * Where a benchmark's Alertmanager delivers: the delivery tests' real SMTP server and Slack stand-in
 * (test/alerting/receivers.ts), with a secret file for every `*_file` the committed alertmanager.yml reads.
 * The SMTP password file gets the password; every other secret is a URL, and each points at the stand-in
 * under its own file name (`/slack-alerts-url`, `/heartbeat-url`, ...), so a post says which secret sent it.
 * Only the relay and the secrets change: routes, grouping timers and templates stay as committed.
 */

const SMTP_PASSWORD = "bench-password";

interface AlertmanagerGlobal {
  smtp_auth_username: string;
  smtp_auth_password_file: string;
}

/** Every `*_file` value under SECRETS_PREFIX in a parsed config, anchors and merges resolved. */
function secretFiles(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) secretFiles(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.endsWith("_file") && typeof value === "string" && value.startsWith(SECRETS_PREFIX)) {
        found.add(value);
      } else secretFiles(value, found);
    }
  }
  return found;
}

export interface AlertReceivers {
  smtp: SmtpSink;
  hooks: WebhookSink;
  /** For StackSettings.alertmanager. */
  alertmanager: NonNullable<StackSettings["alertmanager"]>;
  /** The first Slack message since `since` whose title starts with `prefix` ("[FIRING") and names `alert`. */
  slack(prefix: string, alert: string, since: number): Post | undefined;
  /** The first email since `since` whose subject contains `word` ("FIRING") and names `alert`. */
  email(word: string, alert: string, since: number): Mail | undefined;
  stop(): Promise<void>;
}

const slackTitle = (post: Post) =>
  (post.body as { attachments?: { title?: string }[] }).attachments?.[0]?.title ?? "";
/** Alert names end at a space (before labels or the severity) or a colon (before the summary). */
const names = (text: string, alert: string) => new RegExp(`[\\] ]${alert}[ :]`).test(text);

export async function startAlertReceivers(): Promise<AlertReceivers> {
  const config = parse(readFileSync(CONFIGS.alertmanager, "utf8"), { merge: true }) as {
    global: AlertmanagerGlobal;
  };
  const smtp = await SmtpSink.start(config.global.smtp_auth_username, SMTP_PASSWORD);
  const hooks = await WebhookSink.start();
  const dir = mkdtempSync(join(tmpdir(), "inferwatch-bench-secrets-"));
  const secretsDir = join(dir, "secrets");
  mkdirSync(secretsDir);
  for (const file of secretFiles(config)) {
    const name = basename(file);
    const content =
      file === config.global.smtp_auth_password_file ? `${SMTP_PASSWORD}\n` : hooks.url(`/${name}`);
    writeFileSync(join(secretsDir, name), content);
  }
  return {
    smtp,
    hooks,
    alertmanager: { secretsDir, smtpSmarthost: `127.0.0.1:${smtp.port}`, smtpRequireTls: false },
    slack: (prefix, alert, since) =>
      hooks.posts.find(
        (p) => p.at >= since && slackTitle(p).startsWith(prefix) && names(slackTitle(p), alert),
      ),
    email: (word, alert, since) =>
      smtp.mails.find((m) => {
        const subject = m.mail.subject ?? "";
        return m.at >= since && subject.includes(word) && names(subject, alert);
      }),
    async stop() {
      await smtp.stop();
      await hooks.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
