import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HTTP } from "../../contract/external-metrics.js";
import { type Component, PROMETHEUS_CONFIG_NAME, prometheus } from "../../stack/components.js";
import { binary, CONFIGS } from "../../stack/layout.js";
import { address, DEFAULT_PORTS } from "../../stack/ports.js";
import { PrometheusConfigError, renderPrometheusConfig } from "../../stack/prometheus-config.js";
import { type Sent, send } from "../../traffic/sender.js";
import { type E2EStack, stackUnavailable, startE2EStack, stopAfterTests } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import { freePort } from "../support/free-port.js";
import {
  byLabels,
  expectedCounts,
  HTTP_COUNTS,
  launchBeside,
  Prom,
  running,
  SERVICE,
  type Series,
  take,
  validRequests,
} from "./fault-support.js";

/**
 * Prometheus's own faults and its path to long-term storage, on one native stack:
 *
 * - remote_write: the stack's Prometheus, given a `remote_write` entry by the config renderer, sends its
 *   samples to a second Prometheus run as a receiver (`--web.enable-remote-write-receiver`), standing in for
 *   Mimir, Thanos Receive or VictoriaMetrics. The receiver must hold the same samples, timestamp for
 *   timestamp and value for value.
 * - a graceful restart on the same data folder: every sample written before it is still there afterwards.
 */

/** Remote write sends within its 5 s batch deadline; the rest is scrape and export intervals of ~1 s. */
const WAIT_MS = 30_000;
const TEST_MS = 90_000;
/** Compared sample by sample: every series. */
const ALL = `{__name__=~".+"}`;
const REQUESTS = HTTP.duration;
/** Seconds between the newest sample Prometheus appended and the newest it sent: the guide quotes it. */
const REMOTE_WRITE_LAG =
  "prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds";

const skip = stackUnavailable();
if (skip) process.stderr.write(`[faults] skipping the Prometheus faults: ${skip}\n`);

let e2e: E2EStack | undefined;
let prom: Prom;
let receiver: Prom;
let receiverUrl = "";
let stackStartedAt = 0;
/** When Prometheus had loaded the config with remote_write (unix seconds). */
let reloadedAt = 0;
const sent: Sent[] = [];

const log = (line: string) => process.stdout.write(`[faults] ${line}\n`);
const nowS = () => Date.now() / 1000;

/** A Prometheus that scrapes nothing and stores what is remote-written to it. */
function remoteWriteReceiver(runDir: string, port: number): Component {
  const config = join(runDir, "receiver.yml");
  writeFileSync(config, "# Scrapes nothing: everything it holds was remote-written.\nglobal: {}\n");
  return {
    name: "prometheus-receiver",
    command: binary("prometheus"),
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(runDir, "receiver-data")}`,
      `--web.listen-address=${address(port)}`,
      "--web.enable-remote-write-receiver",
    ],
    env: {},
    readyUrl: `http://${address(port)}/-/ready`,
  };
}

/** Sends `n` valid requests, a few per second, so the counters take several values over a few scrapes. */
async function traffic(n: number, seed: number): Promise<void> {
  const apiUrl = e2e?.url("api") ?? "";
  const next = await validRequests(apiUrl, ["v1_named", "v2_latest", "v2_version"], seed);
  sent.push(...(await send(take(next, n), { baseUrl: apiUrl, rate: 10, concurrency: 2 })).sent);
  const want = expectedCounts(sent).http;
  await eventually(
    "Prometheus to count the requests sent",
    async () => {
      const seen = byLabels(await prom.vector(HTTP_COUNTS), ["http_route", "http_response_status_code"]);
      return JSON.stringify(seen) === JSON.stringify(want) ? true : undefined;
    },
    { timeoutMs: WAIT_MS },
  );
}

/** Every sample of every series, as one Prometheus holds them. */
type Held = Series[];

/** Every stored sample of any name in the `seconds` up to `at` (unix seconds), as written. */
const samples = (from: Prom, at: number, seconds: number): Promise<Held> => from.rawSamples(ALL, at, seconds);

const sampleCount = (held: Held) =>
  held.reduce((n, s) => n + (s.values?.length ?? 0) + (s.histograms?.length ?? 0), 0);

/**
 * Waits until the receiver holds exactly what the stack's Prometheus holds in the window. Both are read on
 * every poll: pushed samples may still land in the window (the out-of-order window) after a first read.
 */
async function sameInReceiver(at: number, seconds: number): Promise<Held> {
  let local: Held = [];
  let remote: Held = [];
  await eventually(
    "the receiver to hold the same samples",
    async () => {
      local = await samples(prom, at, seconds);
      remote = await samples(receiver, at, seconds);
      return JSON.stringify(remote) === JSON.stringify(local) ? true : undefined;
    },
    {
      timeoutMs: WAIT_MS,
      describe: () =>
        `receiver has ${sampleCount(remote)} samples, the stack's Prometheus ${sampleCount(local)}`,
    },
  );
  expect(remote).toEqual(local);
  return local;
}

/** The entry the renderer adds for a store at `u`. */
const remoteWriteEntry = (u: string) =>
  `  - url: ${u}\n    protobuf_message: io.prometheus.write.v2.Request\n    send_native_histograms: true\n`;

describe("the Prometheus config renderer's remoteWrite", () => {
  const source = readFileSync(CONFIGS.prometheus, "utf8");
  const url = "https://metrics.example.com/api/v1/push";

  it("adds a remote_write entry that promtool accepts, and nothing else", () => {
    const plain = renderPrometheusConfig(source, { ports: DEFAULT_PORTS });
    const withRemote = renderPrometheusConfig(source, { ports: DEFAULT_PORTS, remoteWrite: url });
    expect(plain).not.toContain("remote_write");
    expect(withRemote).toBe(`${plain}remote_write:\n${remoteWriteEntry(url)}`);
    if (skip) return;
    const dir = mkdtempSync(join(tmpdir(), "inferwatch-remote-write-"));
    const file = join(dir, "prometheus.yml");
    // Relative rule globs resolve against the config's folder; point them at the committed rules.
    writeFileSync(
      file,
      renderPrometheusConfig(source, {
        ports: DEFAULT_PORTS,
        remoteWrite: url,
        rulesRelativeTo: join(CONFIGS.prometheus, ".."),
      }),
    );
    const check = spawnSync(binary("promtool"), ["check", "config", "--syntax-only", file], {
      encoding: "utf8",
    });
    rmSync(dir, { recursive: true, force: true });
    expect(`${check.stdout}${check.stderr}`).toContain("SUCCESS");
    expect(check.status).toBe(0);
  });

  it("adds to the remote_write entries a config already has", () => {
    const once = renderPrometheusConfig(source, { ports: DEFAULT_PORTS, remoteWrite: url });
    const twice = renderPrometheusConfig(once, { ports: DEFAULT_PORTS, remoteWrite: "http://127.0.0.1:1/w" });
    expect(twice).toContain(
      `remote_write:\n${remoteWriteEntry(url)}${remoteWriteEntry("http://127.0.0.1:1/w")}`,
    );
  });

  it("refuses a URL that is not one, or carries credentials", () => {
    expect(() => renderPrometheusConfig(source, { ports: DEFAULT_PORTS, remoteWrite: "mimir:9009" })).toThrow(
      PrometheusConfigError,
    );
    expect(() =>
      renderPrometheusConfig(source, { ports: DEFAULT_PORTS, remoteWrite: "https://user:secret@mimir/push" }),
    ).toThrow(/_file/);
  });
});

describe.skipIf(skip !== undefined)("Prometheus: remote_write to a long-term store, and a restart", () => {
  beforeAll(async () => {
    stackStartedAt = nowS();
    e2e = await startE2EStack();
    const stack = e2e.stack;
    prom = new Prom(e2e.url("prometheus"));
    log(`stack started in ${(stack.startMs / 1000).toFixed(1)} s`);

    const port = await freePort();
    await launchBeside(stack, remoteWriteReceiver(e2e.runDir, port), "prometheus-receiver");
    receiver = new Prom(`http://${address(port)}`);
    receiverUrl = `http://${address(port)}/api/v1/write`;

    // The stack rendered its Prometheus config without remote_write; render it again with one, and have
    // Prometheus reload it (SIGHUP), as an operator would after editing the file.
    const configFile = join(e2e.runDir, PROMETHEUS_CONFIG_NAME);
    const rendered = readFileSync(configFile, "utf8");
    writeFileSync(
      configFile,
      renderPrometheusConfig(rendered, { ports: stack.settings.ports, remoteWrite: receiverUrl }),
    );
    const pid = running(stack, "prometheus").pid;
    if (pid === undefined) throw new Error("Prometheus has no pid");
    process.kill(pid, "SIGHUP");
    await eventually(
      "Prometheus to load the config with remote_write",
      async () => {
        const res = await fetch(`${e2e?.url("prometheus")}/api/v1/status/config`);
        const body = (await res.json()) as { data: { yaml: string } };
        return body.data.yaml.includes(receiverUrl) ? true : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    reloadedAt = nowS();
  }, 120_000);

  stopAfterTests(() => e2e);

  it(
    "writes the same samples to the long-term store, timestamp for timestamp",
    async () => {
      // Remote write sends what is appended after it starts: compare from just after the reload.
      const from = Math.ceil(reloadedAt) + 1;
      await traffic(50, 11);
      const to = Math.floor(nowS());
      const held = await sameInReceiver(to, to - from);
      const counters = held.filter((s) => s.metric.__name__ === REQUESTS && s.metric.job === SERVICE);
      // The counters moved inside the window, so the values agree by more than chance.
      expect(counters.some((s) => new Set(s.histograms?.map(([, h]) => h.count)).size > 1)).toBe(true);
      expect(sampleCount(held)).toBeGreaterThan(1000);
      // What the guide tells operators to watch: nothing failed, and how far behind the store is.
      expect(await prom.scalar("sum(prometheus_remote_storage_samples_failed_total)")).toBe(0);
      const lag = await prom.scalar(REMOTE_WRITE_LAG);
      expect(lag).toBeGreaterThanOrEqual(0);
      log(
        `remote_write: lag ${lag} s; ${held.length} series, ${sampleCount(held)} samples over ${to - from} s, identical in the receiver`,
      );
    },
    TEST_MS,
  );

  it(
    "keeps every sample written before a graceful restart on the same data folder",
    async () => {
      const stack = e2e?.stack;
      if (!stack) throw new Error("no stack");
      await traffic(20, 12);
      const before = Math.floor(nowS());
      // Everything since the stack started.
      const seconds = Math.ceil(before - stackStartedAt) + 5;
      const stored = await samples(prom, before, seconds);
      const counts = await prom.vector(HTTP_COUNTS, before);
      expect(sampleCount(stored)).toBeGreaterThan(1000);

      const stopAt = Date.now();
      const exit = await running(stack, "prometheus").stop();
      expect(exit).toEqual({ code: 0, signal: null });
      const restarted = await launchBeside(stack, prometheus(stack.settings), "prometheus-restarted");
      log(
        `Prometheus stopped gracefully and ready again in ${Date.now() - stopAt} ms (start ${restarted.readyMs} ms); ${stored.length} series, ${sampleCount(stored)} samples to find`,
      );

      expect(await prom.vector(HTTP_COUNTS, before)).toEqual(counts);
      expect(await samples(prom, before, seconds)).toEqual(stored);

      // And it carries on: scraping every target again (after its discovery's first update, up to 5 s),
      // and remote-writing what it scrapes.
      const readyAt = nowS();
      const targets = stored.filter((x) => x.metric.__name__ === "up").length;
      await eventually(
        "a scrape of every target after the restart",
        async () => ((await prom.scalar(`count(timestamp(up) > ${readyAt})`)) === targets ? true : undefined),
        { timeoutMs: WAIT_MS },
      );
      log(`every target (${targets}) scraped again ${(nowS() - readyAt).toFixed(1)} s after the restart`);
      const from = Math.ceil(nowS());
      await traffic(30, 13);
      const to = Math.floor(nowS());
      const held = await sameInReceiver(to, to - from);
      log(`after the restart: ${sampleCount(held)} samples over ${to - from} s, identical in the receiver`);
    },
    TEST_MS,
  );
});
