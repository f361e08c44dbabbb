import { spawnSync } from "node:child_process";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HTTP, RPC, RUNTIME, SPAN_METRICS } from "../../contract/external-metrics.js";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { METRICS, type MetricKey } from "../../contract/metric-catalogue.js";
import { PROM } from "../../contract/prometheus-names.js";
import { rpcMethod } from "../../contract/rpc-names.js";
import { BUNDLED_MODEL_REPOSITORY, loadConfig } from "../../ml-api/src/config.js";
import { PredictionIds } from "../../ml-api/src/inference/prediction-ids.js";
import { readSecrets } from "../../ml-api/src/secrets.js";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import { apiSecretFiles } from "../../stack/api-secrets.js";
import { apiSecretsDir, type StackSettings } from "../../stack/components.js";
import { binary } from "../../stack/layout.js";
import { seeded } from "../../traffic/random.js";
import { MIX, type PlannedRequest, RequestMix, v2Body } from "../../traffic/request-mix.js";
import { type Sent, send } from "../../traffic/sender.js";
import { type Tally, tally } from "../../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";
import { inferenceClient, inferRequest, type Message } from "../support/grpc-client.js";
import { ADELIE_V1, withoutSex } from "../support/penguins.js";
import { CLASSIFIER, REGRESSOR, type ServedModels, servedModels } from "../support/served-models.js";
import { type E2EStack, stackUnavailable, startE2EStack } from "./e2e-stack.js";
import { eventually } from "./eventually.js";
import { PrometheusApi } from "./prometheus-api.js";

/**
 * The whole pipeline on this machine: the ML API's OTLP crosses a real collector into a real Prometheus
 * (metrics, span metrics, exemplars) and Jaeger (traces). A known mix of requests goes in; Prometheus must
 * count exactly that.
 */

const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;
/** Random requests of the traffic mix, plus a few of every kind so each route and outcome is present. */
const RANDOM_REQUESTS = 240;
const EACH_KIND = 3;
/** Random requests of the traffic mix to the regressor. */
const REGRESSOR_REQUESTS = 60;
/** Requests to version 1 while it is unloaded: the `unavailable` outcome. */
const WHILE_UNLOADED = 4;
/** How long the pipeline may take to show a request, with the e2e intervals (about 1 s each). */
const VISIBLE_WITHIN_MS = 15_000;
/** Deadline of every other wait on the pipeline; each test's own timeout is TEST_MS. */
const WAIT_MS = 20_000;
const TEST_MS = 60_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[e2e] skipping the end-to-end suite: ${skip}\n`);

let e2e: E2EStack | undefined;
let served: ServedModels | undefined;
let prom: PrometheusApi;
let sent: Sent[] = [];
let sentTally: Tally;
let mix: RequestMix;
/** Requests sent after the known mix (by tests that need fresh spans), so later counts can account for them. */
const extra: Sent[] = [];
/** POSTs to the repository API (unload and load) and to feedback, which the HTTP metrics count too. */
const repositoryCalls: { route: string; status: number }[] = [];
let failed = false;

const apiUrl = () => e2e?.url("api") ?? "";
const sendOptions = () => ({ baseUrl: apiUrl(), rate: Number.POSITIVE_INFINITY, concurrency: 8 });

async function post(path: string, body: unknown): Promise<number> {
  const res = await fetch(new URL(path, apiUrl()), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: e2e?.stack.controlAuthorization ?? "" },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Labels for ids minted with the stack's own key (so no inference is added to the known mix), a forged id
 * and a request without the token: every feedback and control metric then exists, and the HTTP counts
 * include these POSTs.
 */
async function sendFeedback(): Promise<void> {
  const files = apiSecretFiles(apiSecretsDir(e2e?.stack.settings as StackSettings));
  const { predictionIdKey } = readSecrets(
    loadConfig({
      INFERWATCH_CONTROL_TOKEN_FILE: files.controlToken,
      PREDICTION_ID_KEY_FILE: files.predictionIdKey,
    }),
  );
  const ids = new PredictionIds(predictionIdKey);
  const [label] = ids.issue(CLASSIFIER, "2", [{ kind: "class", index: 0 }]);
  const [value] = ids.issue(REGRESSOR, "1", [{ kind: "value", value: 4000 }]);
  const route = HTTP_ROUTES.feedback.template;
  repositoryCalls.push({
    route,
    status: await post(`/v2/models/${CLASSIFIER}/feedback`, {
      feedback: [
        { prediction_id: label, label: "Adelie" },
        { prediction_id: "forged", label: "Adelie" },
      ],
    }),
  });
  repositoryCalls.push({
    route,
    status: await post(`/v2/models/${REGRESSOR}/feedback`, {
      feedback: [{ prediction_id: value, value: 4100 }],
    }),
  });
  const refused = await fetch(new URL(`/v2/models/${CLASSIFIER}/feedback`, apiUrl()), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ feedback: [{ prediction_id: label, label: "Adelie" }] }),
  });
  await refused.arrayBuffer();
  repositoryCalls.push({ route, status: refused.status });
}

/** A valid version 1 row. */
const SAMPLE_V1 = ADELIE_V1;

/** One gRPC call of the known mix: its method, the status it must get, the inference it must count. */
interface GrpcCall {
  method: string;
  request: Message;
  want: string;
  /** The status it got. */
  code: string;
  inference?: { model: string; version: string; outcome: string };
}
const grpcSent: GrpcCall[] = [];

/** Sends `count` copies of a call and records each with the status it got. */
async function sendGrpc(call: Omit<GrpcCall, "code">, count: number): Promise<void> {
  const client = inferenceClient(e2e?.ports.apiGrpc ?? 0);
  try {
    for (let i = 0; i < count; i++) {
      const { error } = await client.call(call.method, call.request);
      grpcSent.push({ ...call, code: error ? (status[error.code] ?? String(error.code)) : "OK" });
    }
  } finally {
    client.close();
  }
}

const GRPC_ROWS = [ADELIE_V1, { ...ADELIE_V1, island: "Dream" }];

/** Sends a mix the test knows exactly, including a stretch with version 1 unloaded. */
async function sendKnownMix(): Promise<void> {
  const repository = served?.repository ?? "";
  const target = await discoverTarget(apiUrl(), CLASSIFIER, repository);
  mix = new RequestMix(target, heldOutRecords(repository, target), seeded(20261122), {
    missingRate: 0.02,
  });
  const plan: PlannedRequest[] = [];
  for (const [kind] of MIX) for (let i = 0; i < EACH_KIND; i++) plan.push(mix.of(kind));
  for (let i = 0; i < RANDOM_REQUESTS; i++) plan.push(mix.next());
  // The regressor gets its own held-out rows over both protocols, invalid bodies included.
  const regressor = await discoverTarget(apiUrl(), REGRESSOR, repository);
  const regressorMix = new RequestMix(regressor, heldOutRecords(repository, regressor), seeded(18), {
    missingRate: 0,
  });
  for (let i = 0; i < REGRESSOR_REQUESTS; i++) plan.push(regressorMix.next());
  const options = sendOptions();
  sent = (await send(plan, options)).sent;
  const v1 = (outcome: string) => ({ model: "penguins", version: "1", outcome });
  const v2 = (outcome: string) => ({ model: "penguins", version: "2", outcome });
  const v2Row = withoutSex(ADELIE_V1);
  await sendGrpc(
    {
      method: "ModelInfer",
      request: inferRequest("penguins", GRPC_ROWS, { model_version: "1" }),
      want: "OK",
      inference: v1("success"),
    },
    5,
  );
  await sendGrpc(
    {
      method: "ModelInfer",
      request: inferRequest("penguins", [v2Row]),
      want: "OK",
      inference: v2("success"),
    },
    4,
  );
  await sendGrpc(
    {
      method: "ModelInfer",
      request: inferRequest("penguins", [{ ...v2Row, island: 7 as unknown as string }]),
      want: "INVALID_ARGUMENT",
      inference: v2("invalid_input"),
    },
    3,
  );
  await sendGrpc({ method: "ModelInfer", request: inferRequest("nope", [v2Row]), want: "NOT_FOUND" }, 2);
  await sendGrpc({ method: "ServerMetadata", request: {}, want: "OK" }, 2);

  const profile = target.profiles.get("1");
  if (!profile) throw new Error("penguins version 1 has no profile");
  const unload = HTTP_ROUTES.repositoryUnload.template;
  const load = HTTP_ROUTES.repositoryLoad.template;
  repositoryCalls.push({
    route: unload,
    status: await post("/v2/repository/models/penguins/unload", { parameters: { version: "1" } }),
  });
  const unavailable: PlannedRequest[] = Array.from({ length: WHILE_UNLOADED }, () => ({
    kind: "v2_version",
    method: "POST",
    path: "/v2/models/penguins/versions/1/infer",
    route: HTTP_ROUTES.v2InferVersion.template,
    body: JSON.stringify(v2Body(profile, [SAMPLE_V1])),
    rows: 1,
    expected: { status: 503, inference: { model: "penguins", version: "1", outcome: "unavailable" } },
  }));
  sent.push(...(await send(unavailable, options)).sent);
  await sendGrpc(
    {
      method: "ModelInfer",
      request: inferRequest("penguins", [SAMPLE_V1], { model_version: "1" }),
      want: "UNAVAILABLE",
      inference: v1("unavailable"),
    },
    WHILE_UNLOADED,
  );
  repositoryCalls.push({
    route: load,
    status: await post("/v2/repository/models/penguins/load", { parameters: { version: "1" } }),
  });
  await sendFeedback();
  sentTally = tally(sent);
}

/** `{key: value}` of a vector by the given labels, for whole-map comparisons. */
function byLabels(samples: { metric: Record<string, string>; value: number }[], labels: string[]) {
  return Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l] ?? "").join(" "), s.value]));
}

function expectedHttp(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const h of sentTally.http) counts[`${h.route} ${h.status}`] = h.count;
  for (const r of repositoryCalls)
    counts[`${r.route} ${r.status}`] = (counts[`${r.route} ${r.status}`] ?? 0) + 1;
  return counts;
}

const HTTP_BY_ROUTE = `sum by (http_route, http_response_status_code) (histogram_count(${HTTP.duration}{job="${SERVICE}", http_request_method="POST"}))`;

describe.skipIf(skip !== undefined)("the native stack end to end", () => {
  beforeAll(async () => {
    served = await servedModels();
    e2e = await startE2EStack({ MODEL_REPOSITORY: served.repository });
    prom = new PrometheusApi(e2e.url("prometheus"));
    process.stdout.write(`[e2e] stack started in ${(e2e.stack.startMs / 1000).toFixed(1)} s\n`);
    await sendKnownMix();
  }, 180_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });

  afterAll(async () => {
    await e2e?.stop(failed);
    served?.remove();
  }, 60_000);

  it(
    "answers every planned request as planned",
    () => {
      expect(sentTally.unexpected.map((s) => `${s.request.kind} ${s.request.path} -> ${s.status}`)).toEqual(
        [],
      );
      // Unload, load, two feedback requests, and one feedback request without the control token.
      expect(repositoryCalls.map((r) => r.status)).toEqual([200, 200, 200, 200, 401]);
    },
    TEST_MS,
  );

  it(
    "counts every request exactly once, by route and status",
    async () => {
      const want = expectedHttp();
      let seen: Record<string, number> = {};
      await eventually(
        "Prometheus HTTP counts to equal what was sent",
        async () => {
          seen = sortKeys(
            byLabels(await prom.query(HTTP_BY_ROUTE), ["http_route", "http_response_status_code"]),
          );
          return JSON.stringify(seen) === JSON.stringify(sortKeys(want)) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(seen) },
      );
      expect(sortKeys(seen)).toEqual(sortKeys(want));
    },
    TEST_MS,
  );

  it(
    "answers every gRPC call as planned, and counts each exactly once by method and status",
    async () => {
      expect(
        grpcSent.filter((c) => c.code !== c.want).map((c) => `${c.method} ${c.want} -> ${c.code}`),
      ).toEqual([]);
      const want: Record<string, number> = {};
      for (const { method, code } of grpcSent) {
        const key = `${rpcMethod(method)} ${code}`;
        want[key] = (want[key] ?? 0) + 1;
      }
      let seen: Record<string, number> = {};
      await eventually(
        "Prometheus gRPC counts to equal what was sent",
        async () => {
          const samples = await prom.query(
            `sum by (rpc_method, rpc_status_code) (histogram_count(${RPC.duration}{job="${SERVICE}"}))`,
          );
          seen = sortKeys(byLabels(samples, ["rpc_method", "rpc_status_code"]));
          return JSON.stringify(seen) === JSON.stringify(sortKeys(want)) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(seen) },
      );
      expect(seen).toEqual(sortKeys(want));
      const modelInfer = grpcSent.filter((c) => c.method === "ModelInfer").length;
      await eventually(
        "span metrics to count every RPC server span",
        async () => {
          const [spans] = await prom.query(
            `sum(traces_span_metrics_calls_total{service_name="${SERVICE}", span_kind="SPAN_KIND_SERVER", span_name="grpc.${rpcMethod("ModelInfer")}"})`,
          );
          return spans?.value === modelInfer ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
    },
    TEST_MS,
  );

  it(
    "counts every inference exactly once, by model, version and outcome",
    async () => {
      const counts: Record<string, number> = Object.fromEntries(
        sentTally.inference.map((i) => [`${i.model} ${i.version} ${i.outcome}`, i.count]),
      );
      for (const { inference } of grpcSent) {
        if (!inference) continue;
        const key = `${inference.model} ${inference.version} ${inference.outcome}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      const want = sortKeys(counts);
      expect(Object.keys(want)).toEqual(
        expect.arrayContaining([
          "penguins 1 success",
          "penguins 2 success",
          "penguins 2 invalid_input",
          "penguins 1 unavailable",
          `${REGRESSOR} 1 success`,
        ]),
      );
      let seen: Record<string, number> = {};
      await eventually(
        "Prometheus inference counts to equal what was sent",
        async () => {
          const samples = await prom.query(
            `sum by (model_name, model_version, inference_outcome) (histogram_count(${PROM.inferenceDuration}{job="${SERVICE}"}))`,
          );
          seen = sortKeys(byLabels(samples, ["model_name", "model_version", "inference_outcome"]));
          return JSON.stringify(seen) === JSON.stringify(want) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(seen) },
      );
      expect(seen).toEqual(want);
    },
    TEST_MS,
  );

  it(
    "derives span metrics from the HTTP and inference spans, with exemplars whose traces Jaeger has",
    async () => {
      // Every request that reached an inference handler has one "inference" span; the malformed bodies were
      // refused by the JSON parser before it.
      // Every gRPC ModelInfer call has one too, unknown models included.
      const reachedHandler =
        sent.filter((s) => s.request.kind !== "malformed_json").length +
        grpcSent.filter((c) => c.method === "ModelInfer").length;
      const calls = (selector: string) =>
        prom.query(`sum(traces_span_metrics_calls_total{service_name="${SERVICE}", ${selector}})`);
      let seen = "";
      await eventually(
        "span metrics to count every inference span",
        async () => {
          const inference = (await calls(`span_name="inference", span_kind="SPAN_KIND_INTERNAL"`))[0]?.value;
          const server = (await calls(`span_kind="SPAN_KIND_SERVER", span_name=~"POST .*"`))[0]?.value;
          seen = `inference ${inference}, server POST ${server}`;
          return inference === reachedHandler && server === sent.length + repositoryCalls.length
            ? true
            : undefined;
        },
        {
          timeoutMs: WAIT_MS,
          describe: () => `${seen} (want ${reachedHandler} and ${sent.length + repositoryCalls.length})`,
        },
      );
      // Inference spans carry the model the registry resolved, so their span metrics split by model version.
      const byModel = await prom.query(
        `sum by (model_name, model_version) (traces_span_metrics_calls_total{service_name="${SERVICE}", span_name="inference", model_name!=""})`,
      );
      expect(byModel.map((s) => `${s.metric.model_name} ${s.metric.model_version}`).sort()).toEqual([
        `${REGRESSOR} 1`,
        "penguins 1",
        "penguins 2",
      ]);

      for (const selector of [
        `${SPAN_METRICS.duration}{service_name="${SERVICE}", span_name="inference"}`,
        `${SPAN_METRICS.duration}{service_name="${SERVICE}", span_kind="SPAN_KIND_SERVER", http_route="${HTTP_ROUTES.v2InferVersion.template}"}`,
      ]) {
        // The span metrics connector attaches exemplars only to the flush after its spans arrive, and a
        // series' first flush reads 0 without them; so while none is stored, a few more requests go in
        // (they are not part of the counts asserted above).
        const traceId = await eventually(
          `an exemplar with a trace id on ${selector}`,
          async () => {
            const series = await prom.exemplars(selector);
            const id = series.flatMap((s) => s.exemplars).find((e) => e.labels.trace_id)?.labels.trace_id;
            if (id === undefined) {
              extra.push(...(await send([mix.of("v2_version"), mix.of("v2_version")], sendOptions())).sent);
            }
            return id;
          },
          { timeoutMs: WAIT_MS, intervalMs: 1000 },
        );
        const trace = await eventually(
          `Jaeger to return trace ${traceId}`,
          async () => {
            const res = await fetch(`${e2e?.url("jaegerQueryHttp")}/api/traces/${traceId}`);
            if (res.status !== 200) return undefined;
            const body = (await res.json()) as {
              data: { traceID: string; spans: { operationName: string }[] }[];
            };
            return body.data[0];
          },
          { timeoutMs: 15_000 },
        );
        expect(trace.traceID).toBe(traceId);
        const operations = trace.spans.map((s) => s.operationName);
        expect(operations).toContain("inference");
        // The inference span's exemplar may come from a gRPC call: its server span is the RPC's.
        expect(
          operations.some((o) => o.startsWith("POST /v") || o === `grpc.${rpcMethod("ModelInfer")}`),
        ).toBe(true);
      }
    },
    TEST_MS,
  );

  it(
    "shows a classifier's class metrics and a regressor's value metrics, one per row served, and neither's on the other",
    async () => {
      const rowsServed = (model: string) =>
        [...sent, ...extra]
          .filter((s) => s.status === 200 && s.request.expected.inference?.model === model)
          .reduce((n, s) => n + s.request.rows, 0) +
        grpcSent
          .filter((c) => c.code === "OK" && c.inference?.model === model)
          .reduce((n, c) => n + Number(c.request.inputs[0].shape[0]), 0);
      const want = {
        classifierPredictions: rowsServed(CLASSIFIER),
        classifierConfidence: rowsServed(CLASSIFIER),
        regressorValues: rowsServed(REGRESSOR),
        regressorBins: rowsServed(REGRESSOR),
        regressorClassSeries: 0,
        classifierValueSeries: 0,
      };
      expect(want.regressorValues).toBeGreaterThan(0);
      const one = async (promql: string) => (await prom.query(promql))[0]?.value ?? 0;
      const job = `job="${SERVICE}"`;
      let seen: typeof want | undefined;
      await eventually(
        "Prometheus to count every prediction of both models",
        async () => {
          seen = {
            classifierPredictions: await one(`sum(${PROM.predictions}{${job}, model_name="${CLASSIFIER}"})`),
            classifierConfidence: await one(
              `sum(histogram_count(${PROM.confidence}{${job}, model_name="${CLASSIFIER}"}))`,
            ),
            regressorValues: await one(
              `sum(histogram_count(${PROM.predictedValue}{${job}, model_name="${REGRESSOR}"}))`,
            ),
            regressorBins: await one(`sum(${PROM.predictionBinValues}{${job}, model_name="${REGRESSOR}"})`),
            regressorClassSeries: await one(
              `count({${job}, model_name="${REGRESSOR}", __name__=~"${PROM.predictions}|${PROM.confidence}|${PROM.classBaseline}"})`,
            ),
            classifierValueSeries: await one(
              `count({${job}, model_name="${CLASSIFIER}", __name__=~"${PROM.predictedValue}|${PROM.predictionBinValues}"})`,
            ),
          };
          return JSON.stringify(seen) === JSON.stringify(want) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => JSON.stringify(seen) },
      );
      expect(seen).toEqual(want);
      const tasks = await prom.query(`max by (model_name, model_task) (${PROM.modelInfo}{${job}})`);
      expect(tasks.map((s) => `${s.metric.model_name} ${s.metric.model_task}`).sort()).toEqual([
        `${REGRESSOR} regression`,
        `${CLASSIFIER} classification`,
      ]);
    },
    TEST_MS,
  );

  it(
    "carries host metrics from the collector and runtime metrics from the API",
    async () => {
      const names = [
        "system_cpu_time_seconds_total",
        "system_memory_usage_bytes",
        "system_cpu_load_average_1m",
        "system_network_io_bytes_total",
        "nodejs_eventloop_delay_p99_seconds",
        "nodejs_eventloop_utilization_ratio",
        "v8js_memory_heap_used_bytes",
        RUNTIME.gcDuration,
        "process_cpu_time_seconds_total",
        "process_memory_usage",
      ];
      let missing: string[] = [];
      await eventually(
        "host and runtime metrics",
        async () => {
          const have = await prom.metricNames();
          missing = names.filter((n) => !have.has(n));
          return missing.length === 0 ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => `missing ${missing.join(", ")}` },
      );
      const runtime = await prom.query(`count by (job) (v8js_memory_heap_used_bytes)`);
      expect(runtime.map((s) => s.metric.job)).toContain(SERVICE);
    },
    TEST_MS,
  );

  it(
    "has every metric of the catalogue in Prometheus",
    async () => {
      // A histogram is one native histogram under its own name.
      const wanted = (Object.keys(METRICS) as MetricKey[]).map((key) => PROM[key]);
      let missing: string[] = [];
      await eventually(
        "every catalogue metric",
        async () => {
          const have = await prom.metricNames();
          missing = wanted.filter((n) => !have.has(n));
          return missing.length === 0 ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => `missing ${missing.join(", ")}` },
      );
      expect(missing).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "starts every pushed counter and histogram series at zero, so increase() counts what came before its first push",
    async () => {
      const counted = (Object.keys(METRICS) as MetricKey[])
        .filter((key) => METRICS[key].instrument === "counter" || METRICS[key].instrument === "histogram")
        .map((key) => PROM[key]);
      const nonZeroStart: string[] = [];
      let series = 0;
      for (const name of counted) {
        // A histogram's first sample is a native histogram: its count must be 0.
        const first = await prom.firstSamples(`${name}{job="${SERVICE}"}`, "1h");
        series += first.length;
        for (const s of first.filter((s) => s.value !== 0)) {
          nonZeroStart.push(`${name}${JSON.stringify(s.metric)} starts at ${s.value}`);
        }
      }
      expect(nonZeroStart).toEqual([]);
      expect(series).toBeGreaterThan(counted.length);
    },
    TEST_MS,
  );

  it(
    "serves the collector's own metrics as an exposition promtool check metrics accepts",
    async () => {
      // The collector's counters carry `_total` (otel-collector/config.yaml); application metrics are pushed
      // to Prometheus, not served, so this is the one exposition the collector has.
      const text = await (await fetch(`${e2e?.url("collectorTelemetry")}/metrics`)).text();
      expect(text).toContain("otelcol_exporter_sent_metric_points_total");
      const check = spawnSync(binary("promtool"), ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
      expect(check.status).toBe(0);
    },
    TEST_MS,
  );

  it(
    "serves Prometheus's own web UI, built into the binary",
    async () => {
      const page = await fetch(`${e2e?.url("prometheus")}/query`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<title>Prometheus[^<]*<\/title>/);
      const script = /src="([^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(new URL(script as string, `${e2e?.url("prometheus")}/query`));
      expect(asset.status).toBe(200);
    },
    TEST_MS,
  );

  it(
    "shows a new request in PromQL within a bounded time",
    async () => {
      const route = HTTP_ROUTES.v2InferVersion.template;
      const query = `sum(histogram_count(${HTTP.duration}{job="${SERVICE}", http_route="${route}", http_response_status_code="200"}))`;
      // Start from a settled count: everything sent so far on this route, already in Prometheus.
      const before = [...sent, ...extra].filter((s) => s.request.route === route && s.status === 200).length;
      await eventually(
        "earlier requests to be counted",
        async () => ((await prom.query(query))[0]?.value === before ? true : undefined),
        { timeoutMs: WAIT_MS },
      );
      const batch = 3;
      const target = await discoverTarget(apiUrl(), "penguins", BUNDLED_MODEL_REPOSITORY);
      const mix = new RequestMix(target, heldOutRecords(BUNDLED_MODEL_REPOSITORY, target), seeded(7), {
        missingRate: 0,
      });
      const requests = Array.from({ length: batch }, () => mix.of("v2_version"));
      const t0 = Date.now();
      const result = await send(requests, {
        baseUrl: apiUrl(),
        rate: Number.POSITIVE_INFINITY,
        concurrency: batch,
      });
      expect(result.sent.map((s) => s.status)).toEqual([200, 200, 200]);
      const sentAt = Date.now();
      await eventually(
        `the count of ${route} 200 to grow by ${batch}`,
        async () => ((await prom.query(query))[0]?.value === before + batch ? true : undefined),
        { timeoutMs: VISIBLE_WITHIN_MS, intervalMs: 50 },
      );
      const ms = Date.now() - sentAt;
      process.stdout.write(
        `[e2e] ${batch} requests visible in PromQL ${ms} ms after their answers (${Date.now() - t0} ms after sending)\n`,
      );
      expect(ms).toBeLessThan(VISIBLE_WITHIN_MS);
    },
    TEST_MS,
  );
});

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
