import { isAbsolute, join } from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type YAMLSeq } from "yaml";
import { HOST, type PortName, type Ports } from "./ports.js";

/**
 * Prometheus expands no environment variables in its config, so a stack on other ports renders its own copy
 * of prometheus/prometheus.yml: the same document (comments included) with each job's target set from the
 * ports. Rendering with the default ports gives the committed file byte for byte; a test checks it. The
 * Compose stack runs prometheus/prometheus.compose.yml, rendered with the services' names as hosts
 * (`npm run compose-configs`; a test checks it is current).
 */

/** The port each scrape job targets. A job not named here is an error, so a new job cannot be forgotten. */
export const JOB_PORTS: Record<string, PortName> = {
  "otel-collector": "collectorTelemetry",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
};

export interface RenderOptions {
  ports: Ports;
  /** Host of each target, by the port it listens on; unset: loopback, as the native stack listens. */
  hosts?: Partial<Record<PortName, string>>;
  /** Replaces the document's leading comment (which describes the native copy), e.g. for a generated one. */
  header?: string;
  /**
   * Folder that relative `rule_files` globs are resolved against (the committed file's folder), for a copy
   * that lives elsewhere. Unset: globs are left as written.
   */
  rulesRelativeTo?: string;
  /** Scrape and rule evaluation interval (and scrape timeout), e.g. "1s" for tests; unset: as committed. */
  scrapeInterval?: string;
  /**
   * The port of every Alertmanager of a cluster: each is an alerting target and a target of the
   * `alertmanager` job, since the cluster deduplicates only what reaches all its nodes. Unset: `alertmanager`.
   */
  alertmanagers?: PortName[];
  /**
   * URL of a long-term store's Prometheus remote-write endpoint (Mimir, Thanos Receive, VictoriaMetrics, or a
   * Prometheus run with `--web.enable-remote-write-receiver`, whose endpoint is `/api/v1/write`): adds a
   * `remote_write` entry sending every sample there, in Remote-Write 2.0 (the store must accept it). Unset: the document's own `remote_write`, if any, is kept.
   */
  remoteWrite?: string;
}

export class PrometheusConfigError extends Error {}

/** The same string formatting the committed file uses, so an unchanged document renders identically. */
const STRINGIFY = { lineWidth: 0, flowCollectionPadding: false } as const;

export function renderPrometheusConfig(source: string, options: RenderOptions): string {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) throw new PrometheusConfigError(doc.errors.map((e) => e.message).join("; "));

  const setTargets = (seq: unknown, portName: PortName, where: string) => {
    if (!isSeq(seq)) throw new PrometheusConfigError(`${where}: no targets list`);
    const names = portName === "alertmanager" ? (options.alertmanagers ?? [portName]) : [portName];
    (seq as YAMLSeq).items = names.map((name) =>
      doc.createNode(`${options.hosts?.[name] ?? HOST}:${options.ports[name]}`),
    );
  };

  const jobs = doc.get("scrape_configs");
  if (!isSeq(jobs)) throw new PrometheusConfigError("no scrape_configs");
  for (const job of jobs.items) {
    if (!isMap(job)) throw new PrometheusConfigError("a scrape config is not a map");
    const name = String(job.get("job_name"));
    const portName = JOB_PORTS[name];
    if (!portName)
      throw new PrometheusConfigError(`job ${name}: no port known for it (stack/prometheus-config.ts)`);
    const statics = job.get("static_configs");
    if (!isSeq(statics)) throw new PrometheusConfigError(`job ${name}: no static_configs`);
    for (const group of statics.items) {
      if (isMap(group)) setTargets(group.get("targets"), portName, `job ${name}`);
    }
  }

  const alertmanagers = doc.getIn(["alerting", "alertmanagers"]);
  if (isSeq(alertmanagers)) {
    for (const am of alertmanagers.items) {
      if (!isMap(am)) continue;
      const statics = am.get("static_configs");
      if (!isSeq(statics)) continue;
      for (const group of statics.items) {
        if (isMap(group)) setTargets(group.get("targets"), "alertmanager", "alertmanagers");
      }
    }
  }

  const rules = doc.get("rule_files");
  if (options.rulesRelativeTo !== undefined && isSeq(rules)) {
    const base = options.rulesRelativeTo;
    rules.items = rules.items.map((item) => {
      if (!isScalar(item)) throw new PrometheusConfigError("rule_files: an entry is not a string");
      const glob = String(item.value);
      return doc.createNode(isAbsolute(glob) ? glob : join(base, glob));
    });
  }

  if (options.scrapeInterval !== undefined) {
    for (const key of ["scrape_interval", "scrape_timeout", "evaluation_interval"]) {
      doc.setIn(["global", key], options.scrapeInterval);
    }
    // A job's own interval would otherwise stay, slower than the one asked for.
    const jobs = doc.get("scrape_configs");
    if (isSeq(jobs)) {
      for (const job of jobs.items)
        if (isMap(job) && job.has("scrape_interval")) job.set("scrape_interval", options.scrapeInterval);
    }
  }

  if (options.remoteWrite !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.remoteWrite);
    } catch {
      // Reported below.
    }
    if (url?.protocol !== "http:" && url?.protocol !== "https:") {
      throw new PrometheusConfigError(`remoteWrite: ${options.remoteWrite} is not an http(s) URL`);
    }
    // Credentials belong in the entry's basic_auth password_file or authorization credentials_file, not in
    // a URL that Prometheus shows on its config page and logs.
    if (url.username !== "" || url.password !== "") {
      throw new PrometheusConfigError("remoteWrite: put credentials in a *_file setting, not in the URL");
    }
    if (!isSeq(doc.get("remote_write"))) doc.set("remote_write", doc.createNode([]));
    // Pushed histograms are native ones with custom buckets (otlp.convert_histograms_to_nhcb): remote write
    // sends them only when asked to, and only in its 2.0 message, which carries their bounds.
    (doc.get("remote_write") as YAMLSeq).items.push(
      doc.createNode({
        url: options.remoteWrite,
        protobuf_message: "io.prometheus.write.v2.Request",
        send_native_histograms: true,
      }),
    );
  }

  if (options.header !== undefined) {
    doc.commentBefore = options.header;
  }

  return doc.toString(STRINGIFY);
}
