import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import {
  ANCHORED_QUERY_OFFSET,
  DASHBOARD_INTERVAL,
  RECORDED,
  recordName,
} from "../../contract/recorded-series.js";
import { scrapeInterval } from "../../grafana/src/provisioning.js";
import { SCOPES } from "../../grafana/src/variables.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";
import { FeedbackLoop } from "../../traffic/feedback-loop.js";
import { labelledRows } from "../../traffic/labelled-rows.js";
import { seeded } from "../../traffic/random.js";
import { type PlannedRequest, RequestMix } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";
import { type E2EStack, stackUnavailable, startE2EStack } from "../e2e/e2e-stack.js";
import { eventually } from "../e2e/eventually.js";
import { EXPORTED, type Fixture } from "../support/exported-models.js";
import { inferenceClient, inferRequest } from "../support/grpc-client.js";
import { ADELIE_V1 } from "../support/penguins.js";
import { CLASSIFIER, REGRESSOR, type ServedModels, servedModels } from "../support/served-models.js";
import { committedDashboards, type PanelJson, type Target } from "./dashboard-json.js";
import { interpolate } from "./grafana-interpolate.js";
import { type Exemption, LIVE_EXEMPTIONS, type LiveContext } from "./live-exemptions.js";
import { LiveDashboard, type QueryResult, relativeMs } from "./live-queries.js";

/**
 * Grafana cannot run here, so the dashboards are proven another way: the native stack takes a realistic mix
 * of requests (with a model version unloaded and loaded again, and drift windows small enough to fill), then
 * every query of every panel, with its variables substituted as Grafana would, goes to the live Prometheus
 * and must return at least one series. The few that can only have data in conditions a healthy run does not
 * have are listed in live-exemptions.ts, each checked to be in that condition.
 */

/** Requests of the mix before the queries run (a few seconds of sending), then a trickle while they run. */
const INITIAL_REQUESTS = 400;
const TRICKLE_PER_SECOND = 10;
/** Requests to a version while it is unloaded: `unavailable` outcomes and 5xx for the error panels. */
const WHILE_UNLOADED = 4;
/**
 * How long the pipeline (1 s intervals in the e2e tuning) may take to fill every panel: a minute, plus the
 * dashboards' recording rules' first evaluation (up to one of their intervals after Prometheus starts; the
 * anchored ones look back their query offset more) and one 15 s step of a range query before a panel shows it.
 */
const DATA_WITHIN_MS =
  60_000 + relativeMs(`now-${DASHBOARD_INTERVAL}`) + relativeMs(`now-${ANCHORED_QUERY_OFFSET}`) + 15_000;
const TEST_MS = DATA_WITHIN_MS + 60_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[grafana e2e] skipping: ${skip}\n`);

/** gRPC calls for the overview's gRPC row, valid and invalid, until `signal` aborts. */
async function grpcTrickle(port: number, signal: AbortSignal): Promise<void> {
  const client = inferenceClient(port);
  const valid = inferRequest("penguins", [ADELIE_V1], { model_version: "1" });
  const invalid = inferRequest("penguins", [{ ...ADELIE_V1, island: 7 as unknown as string }], {
    model_version: "1",
  });
  try {
    for (let i = 0; !signal.aborted; i++) {
      await client.call("ModelInfer", i % 5 === 4 ? invalid : valid);
      await new Promise((resolve) => setTimeout(resolve, 1000 / TRICKLE_PER_SECOND));
    }
  } finally {
    client.close();
  }
}

const say = (line: string) => process.stdout.write(`[grafana e2e] ${line}\n`);

function scrapeMs(): number {
  return relativeMs(`now-${scrapeInterval()}`);
}

describe.skipIf(skip !== undefined)("the dashboards on a live stack", () => {
  let e2e: E2EStack | undefined;
  let served: ServedModels | undefined;
  let failed = false;
  const trickle = new AbortController();
  let trickling: Promise<unknown> = Promise.resolve();
  let live: LiveDashboard[] = [];
  const prometheus = () => e2e?.url("prometheus") ?? "";

  beforeAll(async () => {
    served = await servedModels();
    e2e = await startE2EStack({ MODEL_REPOSITORY: served.repository });
    say(`stack started in ${(e2e.stack.startMs / 1000).toFixed(1)} s`);
    const api = e2e.url("api");
    const models = served.repository;
    const target = await discoverTarget(api, CLASSIFIER, models);
    const mix = new RequestMix(target, heldOutRecords(models, target), seeded(6), { missingRate: 0.05 });
    // The regressor's panels need its traffic too.
    const regressor = await discoverTarget(api, REGRESSOR, models);
    const regressorMix = new RequestMix(regressor, heldOutRecords(models, regressor), seeded(6), {
      missingRate: 0,
    });
    const options = { baseUrl: api, rate: Number.POSITIVE_INFINITY, concurrency: 8 };
    await send(
      Array.from({ length: INITIAL_REQUESTS }, (_, i) => (i % 4 === 3 ? regressorMix : mix).next()),
      options,
    );

    // A version unloaded and loaded again: the state timeline, the unload counter and `unavailable` outcomes.
    const repository = (action: string) =>
      fetch(`${api}/v2/repository/models/penguins/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: e2e?.stack.controlAuthorization ?? "" },
        body: JSON.stringify({ parameters: { version: "1" } }),
      }).then((r) => r.status);
    expect(await repository("unload")).toBe(200);
    const toV1 = mix.of("v2_version");
    const v1: PlannedRequest = { ...toV1, path: "/v2/models/penguins/versions/1/infer" };
    await send(
      Array.from({ length: WHILE_UNLOADED }, () => v1),
      options,
    );
    expect(await repository("load")).toBe(200);

    // Labels for both models (a fifth of the classifier's flipped), a forged id and a write without the
    // token: the quality dashboard's panels.
    const authorization = e2e.stack.controlAuthorization;
    const regressorFixture = EXPORTED.find((f) => f.task === "regression") as Fixture;
    for (const [name, labelColumn, labelNoise] of [
      [CLASSIFIER, "species", 0.2],
      [REGRESSOR, regressorFixture.label, 0],
    ] as const) {
      const t = await discoverTarget(api, name, models);
      const profile = t.profiles.get(t.latest) as ModelProfile;
      const rows = labelledRows(profile, t.profiles.values(), heldOutRecords(models, t), labelColumn);
      await new FeedbackLoop(rows, seeded(7), {
        predictUrl: api,
        feedbackUrl: api,
        model: name,
        authorization,
        share: 1,
        delayMs: 0,
        labelNoise,
        classes: profile.classes,
      }).run(40, 100);
    }
    const feedback = (headers: Record<string, string>) =>
      fetch(`${api}/v2/models/${CLASSIFIER}/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ feedback: [{ prediction_id: "forged", label: "Adelie" }] }),
      }).then((r) => r.status);
    expect(await feedback({ authorization })).toBe(200);
    expect(await feedback({})).toBe(401);

    // Rates need fresh samples and the span metrics attach exemplars to flushes after their spans: keep a
    // steady trickle going while the panels are queried.
    function* forever() {
      for (let i = 0; ; i++) yield (i % 4 === 3 ? regressorMix : mix).next();
    }
    trickling = Promise.all([
      send(forever(), { ...options, rate: TRICKLE_PER_SECOND, signal: trickle.signal }),
      grpcTrickle(e2e.ports.apiGrpc, trickle.signal),
    ]);
    live = committedDashboards().map(
      ({ dashboard }) => new LiveDashboard(dashboard, prometheus(), scrapeMs()),
    );
  }, 120_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    trickle.abort();
    await trickling;
    await e2e?.stop(failed);
    served?.remove();
  }, 60_000);

  const ctx: LiveContext = {
    async sum(promql) {
      const res = await fetch(`${prometheus()}/api/v1/query?query=${encodeURIComponent(`sum(${promql})`)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      const first = body.data.result[0];
      return first ? Number(first.value[1]) : undefined;
    },
  };

  const exemptionFor = (r: QueryResult): Exemption | undefined =>
    LIVE_EXEMPTIONS.find((e) => e.dashboard === r.dashboard && e.panel === r.panel && e.refId === r.refId);

  async function runAll(): Promise<QueryResult[]> {
    const now = Date.now();
    const results: QueryResult[] = [];
    for (const dashboard of live) {
      await dashboard.resolveVariables(now);
      for (const panel of dashboard.panels()) {
        for (const target of panel.targets ?? []) results.push(await dashboard.run(panel, target, now));
      }
    }
    return results;
  }

  it(
    "answers every panel's every query with at least one series",
    async () => {
      const panels = live.reduce((n, d) => n + d.panels().length, 0);
      let results: QueryResult[] = [];
      const evidence = new Map<QueryResult, string>();
      const deadline = Date.now() + DATA_WITHIN_MS;
      for (;;) {
        results = await runAll();
        evidence.clear();
        for (const r of results.filter((r) => r.series === 0 && !r.error)) {
          const exemption = exemptionFor(r);
          const why = exemption ? await exemption.confirm(ctx) : undefined;
          if (why) evidence.set(r, why);
        }
        const pending = results.filter((r) => r.series === 0 && !evidence.has(r));
        if (pending.length === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }

      const passed = results.filter((r) => r.series > 0);
      const failedQueries = results.filter((r) => r.series === 0 && !evidence.has(r));
      const panelKey = (r: QueryResult) => `${r.dashboard} / ${r.panel}`;
      const failedPanels = new Set(failedQueries.map(panelKey));
      const withData = new Set(passed.map(panelKey).filter((p) => !failedPanels.has(p)));
      const exemptOnly = new Set(
        [...evidence.keys()].map(panelKey).filter((p) => !withData.has(p) && !failedPanels.has(p)),
      );
      say(
        `${withData.size} of ${panels} panels returned data, ${exemptOnly.size} exempt, ${failedPanels.size} failed; ` +
          `${passed.length} of ${results.length} queries returned data, ${evidence.size} exempt, ${failedQueries.length} failed`,
      );
      for (const [r, why] of evidence) {
        say(`  exempt: ${panelKey(r)} (${r.refId}): ${exemptionFor(r)?.reason}; checked: ${why}`);
      }
      if (exemptOnly.size > 0) say(`  panels with only exempt queries: ${[...exemptOnly].join("; ")}`);
      for (const d of live)
        if (d.empty.length > 0) say(`  ${d.dashboard.uid}: no values for ${d.empty.join(", ")}`);

      expect(
        failedQueries.map((r) => `${panelKey(r)} (${r.refId}): ${r.error ?? "no series"}\n    ${r.expr}`),
      ).toEqual([]);
      expect(passed.length + evidence.size).toBe(results.length);
      expect(withData.size + exemptOnly.size).toBe(panels);
      expect(results.length).toBeGreaterThan(panels);
    },
    TEST_MS,
  );

  it(
    "counts in the confusion matrix exactly the labels the raw counters count",
    async () => {
      const record = recordName(RECORDED.confusion);
      const [quality, panel, target] =
        live.flatMap((d) =>
          d
            .panels()
            .flatMap((p) =>
              (p.targets ?? []).filter((t) => t.expr.includes(record)).map((t) => [d, p, t] as const),
            ),
        )[0] ?? [];
      if (!quality || !panel || !target) throw new Error(`no panel reads ${record}`);
      await quality.resolveVariables(Date.now());
      const raw = interpolate(
        `${PROM.feedback}{job=~"$${SCOPES.service.job}", ${promLabel(ATTR.model)}=~"$model", ${promLabel(ATTR.version)}=~"$version"}`,
        quality.variables,
      );
      let seen = "";
      // The panel's last recorded minute ends up to a minute and the rule's query offset ago.
      const labels = await eventually(
        "the confusion matrix panel to count every label",
        async () => {
          const [panelSum, rawSum] = [await ctx.sum(quality.expr(panel, target)), await ctx.sum(raw)];
          seen = `panel ${panelSum}, raw counters ${rawSum}`;
          return panelSum !== undefined && panelSum > 0 && panelSum === rawSum ? panelSum : undefined;
        },
        {
          timeoutMs:
            relativeMs(`now-${DASHBOARD_INTERVAL}`) + relativeMs(`now-${ANCHORED_QUERY_OFFSET}`) + 30_000,
          intervalMs: 2000,
          describe: () => seen,
        },
      );
      say(`confusion matrix: ${labels} labels, as the raw counters`);
    },
    TEST_MS,
  );

  it(
    "shows exemplars on every latency panel, each opening a trace Jaeger has",
    async () => {
      const withExemplars: { dashboard: LiveDashboard; panel: PanelJson; target: Target }[] = live.flatMap(
        (dashboard) =>
          dashboard
            .panels()
            .flatMap((panel) =>
              (panel.targets ?? []).filter((t) => t.exemplar).map((target) => ({ dashboard, panel, target })),
            ),
      );
      expect(withExemplars.length).toBeGreaterThan(0);
      for (const { dashboard, panel, target } of withExemplars) {
        await dashboard.resolveVariables(Date.now());
        const traceId = await eventually(
          `an exemplar with a trace id for ${panel.title} (${target.refId})`,
          async () =>
            (await dashboard.exemplars(panel, target, Date.now())).find((l) => l.trace_id)?.trace_id,
          { timeoutMs: 30_000, intervalMs: 1000 },
        );
        const trace = await eventually(
          `Jaeger to return trace ${traceId}`,
          async () => {
            const res = await fetch(`${e2e?.url("jaegerQueryHttp")}/api/traces/${traceId}`);
            return res.status === 200
              ? ((await res.json()) as { data: { traceID: string }[] }).data[0]
              : undefined;
          },
          { timeoutMs: 15_000 },
        );
        expect(trace.traceID).toBe(traceId);
      }
      say(`${withExemplars.length} exemplar queries, each with a trace id that Jaeger returns`);
    },
    TEST_MS,
  );
});
