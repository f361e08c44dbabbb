import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isMap, isPair, isScalar, isSeq, parseDocument, stringify, visit } from "yaml";

/**
 * Alertmanager expands no environment variables in its config, so a copy that runs elsewhere (the native
 * stack, the delivery tests) is rendered from alertmanager/alertmanager.yml: the same document, with the
 * secret files taken from another folder, template globs made absolute, and optionally the SMTP relay and
 * the grouping timers replaced, and optionally the integrations whose secret is missing left out.
 */

/** Where the committed config expects its secret files (a container's mount point). */
export const SECRETS_PREFIX = "/etc/alertmanager/secrets/";

export interface AlertmanagerRenderOptions {
  /** Folder holding the secret files (smtp-password, slack-alerts-url, ...). */
  secretsDir: string;
  /** Folder the committed config lives in: relative template globs are resolved against it. */
  configDir: string;
  /** `host:port` of the SMTP relay. */
  smtpSmarthost?: string;
  smtpRequireTls?: boolean;
  /** Every route's group_wait and group_interval, e.g. for tests that cannot wait minutes. */
  groupWait?: string;
  groupInterval?: string;
  /**
   * Leaves out each integration (a Slack channel, the heartbeat webhook) whose secret file is missing from
   * `secretsDir`, so a stack nobody has given a webhook sends nothing that must fail; a receiver left with
   * no integration still takes its alerts, which then show in Alertmanager only. Email has no secret of its
   * own (the SMTP password is global, and read only when the relay asks to authenticate), so it stays.
   */
  omitUnconfigured?: boolean;
}

interface Receiver {
  name: string;
  [integrations: string]: unknown;
}

export class AlertmanagerConfigError extends Error {}

export function renderAlertmanagerConfig(source: string, options: AlertmanagerRenderOptions): string {
  const doc = parseDocument(source, { merge: true });
  if (doc.errors.length > 0) throw new AlertmanagerConfigError(doc.errors.map((e) => e.message).join("; "));

  let secrets = 0;
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      const key = String(pair.key.value);
      const value = pair.value.value;
      if (key.endsWith("_file") && typeof value === "string" && value.startsWith(SECRETS_PREFIX)) {
        pair.value.value = join(options.secretsDir, value.slice(SECRETS_PREFIX.length));
        secrets++;
      } else if (key === "group_wait" && options.groupWait !== undefined) {
        pair.value.value = options.groupWait;
      } else if (key === "group_interval" && options.groupInterval !== undefined) {
        pair.value.value = options.groupInterval;
      }
    },
  });
  if (secrets === 0) throw new AlertmanagerConfigError(`no secret file under ${SECRETS_PREFIX}`);

  const templates = doc.get("templates");
  if (isSeq(templates)) {
    templates.items = templates.items.map((item) => {
      const glob = String(isScalar(item) ? item.value : item);
      return doc.createNode(isAbsolute(glob) ? glob : join(options.configDir, glob));
    });
  }

  const global = doc.get("global");
  if (!isMap(global)) throw new AlertmanagerConfigError("no global section");
  if (options.smtpSmarthost !== undefined) global.set("smtp_smarthost", options.smtpSmarthost);
  if (options.smtpRequireTls !== undefined) global.set("smtp_require_tls", options.smtpRequireTls);

  if (!options.omitUnconfigured) return doc.toString({ lineWidth: 0 });
  // Plain data from here: the Slack receivers share one integration through an anchor and a merge key,
  // which removing the anchored copy would break in the document.
  const config = doc.toJS({ maxAliasCount: -1 }) as { receivers?: Receiver[] };
  for (const receiver of config.receivers ?? []) {
    for (const [key, integrations] of Object.entries(receiver)) {
      if (!key.endsWith("_configs") || !Array.isArray(integrations)) continue;
      const configured = integrations.filter((integration: Record<string, unknown>) =>
        Object.entries(integration).every(([k, v]) => !k.endsWith("_file") || existsSync(String(v))),
      );
      if (configured.length > 0) receiver[key] = configured;
      else delete receiver[key];
    }
  }
  return stringify(config, { lineWidth: 0 });
}
