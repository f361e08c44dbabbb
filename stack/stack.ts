import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { renderAlertmanagerConfig } from "../alertmanager/config-render.js";
import { controlAuthorization, ensureApiSecrets } from "./api-secrets.js";
import {
  ALERTMANAGER_CONFIG_NAME,
  alertmanagerDelivery,
  alertmanagers,
  alertmanagerWebPorts,
  api,
  apiSecretsDir,
  type Component,
  collector,
  jaeger,
  mailpit,
  PROMETHEUS_CONFIG_NAME,
  prometheus,
  type StackSettings,
  stackPortNames,
} from "./components.js";
import { CONFIGS, REPO_ROOT } from "./layout.js";
import { assertPortsFree } from "./ports.js";
import { renderPrometheusConfig } from "./prometheus-config.js";
import { waitUntilReady } from "./readiness.js";
import { describeExit, Supervised } from "./supervisor.js";

/**
 * Starts the native stack and stops it: Jaeger, the collector, Prometheus, Alertmanager (one, or a cluster of
 * two: StackSettings.alertmanagerNodes) and Mailpit, the inbox of its alert email, together, then the ML API
 * once the collector takes its telemetry.
 * `npm run stack` and the end-to-end tests both start it through here.
 */

export interface RunningStack {
  settings: StackSettings;
  /** Milliseconds from the call to every component ready. */
  startMs: number;
  processes: Supervised[];
  /** Rejects when a component exits without being asked to. */
  crashed: Promise<never>;
  /** The `Authorization` header feedback, load and unload need on this stack's API. */
  controlAuthorization: string;
  /** Stops the API first (it drains and flushes its telemetry), then the collector, then the rest. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long each component may take to become ready. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export async function startStack(settings: StackSettings, options: StartOptions = {}): Promise<RunningStack> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  await assertPortsFree(settings.ports, stackPortNames(settings));
  const logs = join(settings.runDir, "logs");
  mkdirSync(logs, { recursive: true });
  const secrets = ensureApiSecrets(apiSecretsDir(settings));
  for (const path of secrets.created) log(`made ${path} (the API's ${basename(path)}; kept across restarts)`);
  writeFileSync(
    join(settings.runDir, PROMETHEUS_CONFIG_NAME),
    renderPrometheusConfig(readFileSync(CONFIGS.prometheus, "utf8"), {
      ports: settings.ports,
      rulesRelativeTo: settings.prometheusRulesBase ?? dirname(CONFIGS.prometheus),
      alertmanagers: alertmanagerWebPorts(settings),
      ...(settings.tuning.scrapeInterval ? { scrapeInterval: settings.tuning.scrapeInterval } : {}),
    }),
  );
  writeFileSync(
    join(settings.runDir, ALERTMANAGER_CONFIG_NAME),
    renderAlertmanagerConfig(readFileSync(CONFIGS.alertmanager, "utf8"), {
      secretsDir: join(dirname(CONFIGS.alertmanager), "secrets"),
      configDir: dirname(CONFIGS.alertmanager),
      ...alertmanagerDelivery(settings.ports),
      ...settings.alertmanager,
    }),
  );

  const processes: Supervised[] = [];
  const launch = async (component: Component) => {
    const child = Supervised.launch({
      name: component.name,
      command: component.command,
      args: component.args,
      // process.env values are strings; its type also allows undefined for names that are not set.
      env: { ...process.env, ...component.env } as Record<string, string>,
      cwd: REPO_ROOT,
      logFile: join(logs, `${component.name}.log`),
    });
    processes.push(child);
    const ms = await waitUntilReady(component.readyUrl, child, { timeoutMs });
    log(`${component.name} ready in ${ms} ms`);
  };

  const stop = async () => {
    const byName = (name: string) => processes.filter((p) => p.name === name);
    for (const name of ["ml-api", "otelcol"]) await Promise.all(byName(name).map((p) => p.stop()));
    await Promise.all(processes.map((p) => p.stop()));
  };

  try {
    await Promise.all([
      launch(jaeger(settings)),
      launch(collector(settings)),
      launch(prometheus(settings)),
      ...alertmanagers(settings).map(launch),
      launch(mailpit(settings)),
    ]);
    await launch(api(settings));
  } catch (error) {
    await stop();
    throw error;
  }

  const crashed = new Promise<never>((_resolve, reject) => {
    for (const p of processes) {
      void p.exited.then((exit) => {
        if (p.crashed) {
          reject(new Error(`${p.name} ${describeExit(exit)} (log: ${p.spec.logFile}):\n${p.tail()}`));
        }
      });
    }
  });
  // Callers that never watch for crashes must not get an unhandled rejection.
  crashed.catch(() => {});

  return {
    settings,
    startMs: Date.now() - started,
    processes,
    crashed,
    controlAuthorization: controlAuthorization(secrets),
    stop,
  };
}
