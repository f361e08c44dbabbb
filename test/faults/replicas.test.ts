import { beforeAll, describe, expect, it } from "vitest";
import { HTTP } from "../../contract/external-metrics.js";
import { api } from "../../stack/components.js";
import { type Sent, send } from "../../traffic/sender.js";
import { type E2EStack, stackUnavailable, startE2EStack, stopAfterTests } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import { freePort } from "../support/free-port.js";
import {
  expectedCounts,
  HTTP_COUNTS,
  INFERENCE_COUNTS,
  launchBeside,
  Prom,
  type Sample,
  SERVICE,
  take,
  validRequests,
} from "./fault-support.js";

/**
 * Two ML API replicas, as a load balancer would run them, sending to one collector: each keeps its own
 * series (its own `service.instance.id`, hence its own `instance` label), and per instance and summed over
 * instances Prometheus counts exactly what each replica was sent.
 *
 * Which instance is which is learnt, not assumed: replica A is sent requests first, alone, and the one
 * instance that then appears is A's. Unequal numbers per replica make a swap or a merge show.
 */

const ROUND_ONE_A = 23;
const ROUND_TWO = { a: 31, b: 17 } as const;
const WAIT_MS = 30_000;
const TEST_MS = 60_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[faults] skipping the replicas: ${skip}\n`);

let e2e: E2EStack | undefined;
let prom: Prom;
let urlB = "";
const sentTo: { a: Sent[]; b: Sent[] } = { a: [], b: [] };
let instanceA = "";

const log = (line: string) => process.stdout.write(`[faults] ${line}\n`);

async function sendTo(replica: "a" | "b", n: number, seed: number): Promise<void> {
  const baseUrl = replica === "a" ? (e2e?.url("api") ?? "") : urlB;
  const next = await validRequests(baseUrl, ["v1_named", "v2_latest", "v2_version"], seed);
  sentTo[replica].push(
    ...(await send(take(next, n), { baseUrl, rate: Number.POSITIVE_INFINITY, concurrency: 4 })).sent,
  );
}

/** `{"<instance> <label values>": value}`, sorted: one entry per instance and series. */
function perInstance(samples: Sample[], labels: string[]): Record<string, number> {
  return Object.fromEntries(
    samples
      .map(
        (s) =>
          [[s.metric.instance ?? "", ...labels.map((l) => s.metric[l] ?? "")].join(" "), s.value] as const,
      )
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** What perInstance must read, with each replica's requests under its instance. */
function expectedPerInstance(
  instances: { a: string; b?: string },
  kind: "http" | "inference",
): Record<string, number> {
  const out: [string, number][] = [];
  for (const replica of ["a", "b"] as const) {
    const instance = instances[replica];
    if (instance === undefined) continue;
    for (const [key, count] of Object.entries(expectedCounts(sentTo[replica])[kind])) {
      out.push([`${instance} ${key}`, count]);
    }
  }
  return Object.fromEntries(out.sort(([a], [b]) => a.localeCompare(b)));
}

const byInstance = (query: string) => query.replace(/^sum by \(/, "sum by (instance, ");

describe.skipIf(skip !== undefined)("two ML API replicas behind one collector", () => {
  beforeAll(async () => {
    e2e = await startE2EStack();
    const stack = e2e.stack;
    prom = new Prom(e2e.url("prometheus"));
    const settings = {
      ...stack.settings,
      ports: { ...stack.settings.ports, api: await freePort(), apiGrpc: await freePort() },
    };
    const b = await launchBeside(stack, api(settings), "ml-api-b");
    urlB = `http://127.0.0.1:${settings.ports.api}`;
    log(`stack started in ${(stack.startMs / 1000).toFixed(1)} s, second replica ready in ${b.readyMs} ms`);
  }, 120_000);

  stopAfterTests(() => e2e);

  it(
    "gives each replica its own service.instance.id, as its instance label",
    async () => {
      let seen: Sample[] = [];
      await eventually(
        "a target_info per replica",
        async () => {
          seen = await prom.vector(`target_info{job="${SERVICE}"}`);
          return seen.length === 2 ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(seen.map((s) => s.metric)) },
      );
      const instances = seen.map((s) => s.metric.instance);
      expect(new Set(instances).size).toBe(2);
      for (const instance of instances) expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    },
    TEST_MS,
  );

  it(
    "counts each replica's requests under its own instance, exactly",
    async () => {
      await sendTo("a", ROUND_ONE_A, 31);
      let http: Record<string, number> = {};
      await eventually(
        "replica A's requests, and only those, in Prometheus",
        async () => {
          const samples = await prom.vector(byInstance(HTTP_COUNTS));
          const instances = new Set(samples.map((s) => s.metric.instance ?? ""));
          if (instances.size !== 1) return undefined;
          instanceA = [...instances][0] as string;
          http = perInstance(samples, ["http_route", "http_response_status_code"]);
          return JSON.stringify(http) === JSON.stringify(expectedPerInstance({ a: instanceA }, "http"))
            ? true
            : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(http) },
      );

      await Promise.all([sendTo("a", ROUND_TWO.a, 32), sendTo("b", ROUND_TWO.b, 33)]);
      let instanceB = "";
      let inference: Record<string, number> = {};
      await eventually(
        "both replicas' requests, each under its instance",
        async () => {
          const samples = await prom.vector(byInstance(HTTP_COUNTS));
          instanceB = samples.map((s) => s.metric.instance ?? "").find((i) => i !== instanceA) ?? "";
          if (instanceB === "") return undefined;
          const instances = { a: instanceA, b: instanceB };
          http = perInstance(samples, ["http_route", "http_response_status_code"]);
          inference = perInstance(await prom.vector(byInstance(INFERENCE_COUNTS)), [
            "model_name",
            "model_version",
            "inference_outcome",
          ]);
          return JSON.stringify(http) === JSON.stringify(expectedPerInstance(instances, "http")) &&
            JSON.stringify(inference) === JSON.stringify(expectedPerInstance(instances, "inference"))
            ? true
            : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => `${JSON.stringify(http)} ${JSON.stringify(inference)}` },
      );
      const instances = { a: instanceA, b: instanceB };
      expect(http).toEqual(expectedPerInstance(instances, "http"));
      expect(inference).toEqual(expectedPerInstance(instances, "inference"));
      for (const replica of ["a", "b"] as const) {
        expect(sentTo[replica].map((s) => s.status).filter((s) => s !== 200)).toEqual([]);
      }
      log(`per instance: ${JSON.stringify(http)}`);

      // Summed over instances, as the rules and dashboards aggregate by job: every request once.
      const all = [...sentTo.a, ...sentTo.b];
      const total = await prom.scalar(
        `sum(histogram_count(${HTTP.duration}{job="${SERVICE}", http_request_method="POST"}))`,
      );
      expect(total).toBe(all.length);
      expect(sentTo.a.length).toBe(ROUND_ONE_A + ROUND_TWO.a);
      expect(sentTo.b.length).toBe(ROUND_TWO.b);
    },
    TEST_MS,
  );

  it(
    "keeps the span metrics of the replicas apart too",
    async () => {
      const query = `sum by (instance) (traces_span_metrics_calls_total{service_name="${SERVICE}", span_kind="SPAN_KIND_SERVER", span_name=~"POST .*"})`;
      let seen: Record<string, number> = {};
      const want = Object.fromEntries((["a", "b"] as const).map((r) => [r, sentTo[r].length]));
      await eventually(
        "server span counts per instance",
        async () => {
          const samples = await prom.vector(query);
          seen = Object.fromEntries(samples.map((s) => [s.metric.instance ?? "", s.value]));
          const a = seen[instanceA];
          const b = Object.entries(seen).find(([i]) => i !== instanceA)?.[1];
          return Object.keys(seen).length === 2 && a === want.a && b === want.b ? true : undefined;
        },
        {
          timeoutMs: WAIT_MS,
          describe: () => `${JSON.stringify(seen)}, want A (${instanceA}) ${want.a}, B ${want.b}`,
        },
      );
      log(`span metrics per instance: ${JSON.stringify(seen)}`);
    },
    TEST_MS,
  );
});
