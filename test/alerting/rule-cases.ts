import { DASHBOARD_UIDS } from "../../contract/dashboard-uids.js";
import {
  CONFIDENCE_BUCKETS,
  RPC_SECONDS_BUCKETS,
  SECONDS_BUCKETS,
} from "../../contract/histogram-buckets.js";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { PROM } from "../../contract/prometheus-names.js";
import { RECORDED, recordName } from "../../contract/recorded-series.js";
import { rpcMethod } from "../../contract/rpc-names.js";
import { sliRecordName } from "../../contract/slo-series.js";
import { budgetSpent } from "../../grafana/src/slo.js";
import { API_JOB } from "../../prometheus/rules/pipeline-alerts.js";
import { EXTERNAL, OTLP_HANDLER } from "../../prometheus/rules/rule-inputs.js";
import { committedDashboards, dataPanels } from "../grafana/dashboard-json.js";
import { type Chosen, interpolate } from "../grafana/grafana-interpolate.js";
import { QUALITY_RULE_CASES } from "./quality-rule-cases.js";
import {
  API,
  countsAsHistogram,
  DEPENDS,
  flat,
  grows,
  histogramGrows,
  INFER_ROUTE,
  JOB,
  MODEL,
  REGRESSOR,
  rounded,
} from "./rule-case-support.js";

/**
 * `promtool test rules` cases for every alert, at real time scale: for each, input series where it must
 * fire (with the summary and description people will read, values included) and where it must stay quiet
 * (below threshold, too little traffic, data that must not count). rules.test.ts writes them as promtool's
 * YAML, adds each alert's runbook and dashboard links, and checks every alert has both kinds of case.
 */

export interface Expected {
  labels: Record<string, string>;
  summary: string;
  description: string;
}

export interface Check {
  /** promtool eval_time, e.g. "70m". */
  at: string;
  alert: string;
  /** Empty: the alert must not be firing at `at`. */
  expect: Expected[];
}

/** A recording rule's result, as promtool's promql_expr_test checks it. */
export interface ExprCheck {
  at: string;
  expr: string;
  expect: { labels: string; value: number }[];
}

export interface RuleCase {
  name: string;
  /** Sample spacing of the input series; 1m unless set. */
  interval?: string;
  series: { series: string; values: string }[];
  checks: Check[];
  /** Recorded series to check (the dashboards' recording rules). */
  exprs?: ExprCheck[];
}

// Every histogram is a native one with custom buckets, as Prometheus stores what the API pushes. Where a
// rule reads only how many were observed, `values` is written as that count's (see countsAsHistogram). The
// HTTP instrumentation's histogram has the bounds the semantic conventions advise, as the RPC one does.
const http = (status: number, values: string, route = INFER_ROUTE) => ({
  series: `${EXTERNAL.httpDuration}{${API}, ${route}, http_response_status_code="${status}"}`,
  values: countsAsHistogram(values, RPC_SECONDS_BUCKETS),
});
const rpc = (code: string, values: string, method = "ModelInfer") => ({
  series: `${EXTERNAL.rpcDuration}{${API}, rpc_system_name="grpc", rpc_method="${rpcMethod(method)}", rpc_status_code="${code}"}`,
  values: countsAsHistogram(values, RPC_SECONDS_BUCKETS),
});
/** Predictions per class at a steady rate (`perHour` an hour) next to the class's training share. */
const classes = (shares: Record<string, readonly [share: number, perHour: number]>) =>
  Object.entries(shares).flatMap(([c, [share, perHour]]) => [
    {
      series: `${PROM.predictions}{${API}, ${MODEL}, prediction_class="${c}"}`,
      values: grows(perHour / 60, 90),
    },
    { series: `${PROM.classBaseline}{${API}, ${MODEL}, prediction_class="${c}"}`, values: flat(share, 90) },
  ]);
const inference = (outcome: string, values: string, model = MODEL) => ({
  series: `${PROM.inferenceDuration}{${API}, ${model}, inference_outcome="${outcome}"}`,
  values: countsAsHistogram(values, SECONDS_BUCKETS),
});
/** Successful requests of penguins version 2, `perStep` a minute at each latency bound, for `steps` minutes. */
const latencies = (perStep: readonly (readonly [number, number])[], steps: number) => ({
  series: `${PROM.inferenceDuration}{${API}, ${MODEL}, inference_outcome="success"}`,
  values: histogramGrows(SECONDS_BUCKETS, perStep, steps),
});
const INF = Number.POSITIVE_INFINITY;
const modelState = (version: string, state: string, values: string) => ({
  series: `${PROM.modelState}{${API}, model_name="penguins", model_version="${version}", model_state="${state}"}`,
  values,
});

const SERVICE = { job: API_JOB };

/** One labelled prediction cell of the confusion matrix on `instance`. */
const cell = (instance: string, predicted: string, actual: string, values: string) => ({
  series: `${PROM.feedback}{${JOB}, instance="${instance}", ${MODEL}, prediction_class="${predicted}", feedback_class="${actual}"}`,
  values,
});

/** The quality dashboard's confusion matrix query as Grafana sends it over `rangeMs`, for penguins version 2. */
function confusionPanel(rangeMs: number): string {
  const record = recordName(RECORDED.confusion);
  const expr = committedDashboards()
    .filter(({ dashboard }) => dashboard.uid === DASHBOARD_UIDS.quality)
    .flatMap(({ dashboard }) => dataPanels(dashboard))
    .flatMap((p) => p.targets ?? [])
    .find((t) => t.expr.includes(record))?.expr;
  if (expr === undefined) throw new Error(`no quality dashboard panel reads ${record}`);
  const one = (value: string): Chosen => ({ all: false, values: [value], multi: true, includeAll: true });
  const chosen = new Map([
    ["job", one(API_JOB)],
    ["model", one("penguins")],
    ["version", one("2")],
  ]);
  return interpolate(expr, chosen, { intervalMs: 60_000, rateIntervalMs: 60_000, rangeMs });
}
const PENGUINS = { job: API_JOB, model_name: "penguins" };

const burn = (
  level: "Service" | "Model",
  slo: "availability" | "latency",
  severity: "critical" | "warning",
  value: string,
): Expected => {
  const who = level === "Service" ? `Service ${API_JOB}` : `Model penguins on ${API_JOB}`;
  const what =
    slo === "availability"
      ? level === "Service"
        ? "requests answered 5xx or with a gRPC server-error status"
        : "inference requests answered unavailable or error"
      : "successful inference requests slower than 0.1 s";
  const target = slo === "availability" ? "99.9" : "99";
  const windows = severity === "critical" ? "1h/5m at 14.4x or 6h/30m at 6x" : "1d/2h at 3x or 3d/6h at 1x";
  return {
    labels: { ...(level === "Service" ? SERVICE : PENGUINS), severity, slo, ...DEPENDS },
    summary: `${who} is ${severity === "critical" ? "fast" : "slowly"} burning its ${slo} error budget`,
    description:
      `${who}: ${what} are spending the 30-day error budget of the ${target}% ${slo} SLO ${value}x faster ` +
      `than sustainable over the long window (windows ${windows}).`,
  };
};

export const RULE_CASES: RuleCase[] = [
  {
    name: "5% of requests failing (503) burns the availability budget 47.6x: page and ticket",
    series: [http(200, grows(100, 120)), http(503, grows(5, 120))],
    checks: [
      {
        at: "70m",
        alert: "ServiceAvailabilityBudgetBurn",
        expect: [
          burn("Service", "availability", "critical", "47.6"),
          burn("Service", "availability", "warning", "47.6"),
        ],
      },
    ],
  },
  {
    // No `for:` on the page: it fires at the first evaluation that sees both windows over 14.4x (a `for: 2m`
    // would still hold it at 6h2m). promtool may evaluate the alerts before the recording rules of the same
    // timestamp, so the failures follow an idle hour: the ratio is 100% whichever minute the alert reads.
    name: "every request failing after an idle hour pages within two minutes, before the ticket",
    series: [http(200, `${grows(100, 300)} ${flat(30000, 70)}`), http(503, `${flat(0, 360)} 200+200x9`)],
    checks: [
      {
        at: "6h2m",
        alert: "ServiceAvailabilityBudgetBurn",
        expect: [burn("Service", "availability", "critical", "1000.0")],
      },
    ],
  },
  {
    // The long windows keep a blip from paging, not a `for:`: the 5m window stays over 14.4x for five minutes
    // after any blip, but the hour must hold 1.44% failures (about 52 s of total outage) and six hours 0.6%.
    // Samples a minute apart: the minute of the outage answers half its requests 503, as 30 s of nothing but
    // failures would. (Hours of 15 s histogram samples pass the samples promtool lets a query load.)
    name: "a 30 s total outage after six hours of healthy traffic does not page",
    series: [http(200, `${grows(100, 360)} 36050+100x10`), http(503, `${flat(0, 360)} ${flat(50, 10)}`)],
    checks: ["6h30s", "6h1m", "6h2m", "6h3m", "6h5m", "6h10m"].map((at) => ({
      at,
      alert: "ServiceAvailabilityBudgetBurn",
      expect: [],
    })),
  },
  {
    name: "half the requests failing at one request a minute is too little traffic to page",
    series: [http(200, grows(0.5, 120)), http(503, grows(0.5, 120))],
    checks: [{ at: "75m", alert: "ServiceAvailabilityBudgetBurn", expect: [] }],
  },
  {
    name: "client errors (4xx) and readiness probes answering 503 are no availability failures",
    series: [
      http(200, grows(100, 120)),
      http(400, grows(30, 120)),
      http(404, grows(10, 120)),
      http(503, grows(50, 120), `http_route="${HTTP_ROUTES.readyz.template}", http_request_method="GET"`),
      http(
        503,
        grows(50, 120),
        `http_route="${HTTP_ROUTES.v2ModelReady.template}", http_request_method="GET"`,
      ),
    ],
    checks: [{ at: "70m", alert: "ServiceAvailabilityBudgetBurn", expect: [] }],
  },
  {
    name: "5% of gRPC calls answered UNAVAILABLE burns the availability budget 47.6x: page and ticket",
    series: [rpc("OK", grows(100, 120)), rpc("UNAVAILABLE", grows(5, 120))],
    checks: [
      {
        at: "70m",
        alert: "ServiceAvailabilityBudgetBurn",
        expect: [
          burn("Service", "availability", "critical", "47.6"),
          burn("Service", "availability", "warning", "47.6"),
        ],
      },
    ],
  },
  {
    name: "HTTP and gRPC count together: failures on one protocol are weighed against the traffic of both",
    series: [http(200, grows(50, 120)), rpc("OK", grows(50, 120)), rpc("INTERNAL", grows(5, 120))],
    checks: [
      {
        at: "70m",
        alert: "ServiceAvailabilityBudgetBurn",
        expect: [
          burn("Service", "availability", "critical", "47.6"),
          burn("Service", "availability", "warning", "47.6"),
        ],
      },
    ],
  },
  {
    name: "gRPC client errors and readiness calls are no availability failures",
    series: [
      rpc("OK", grows(100, 120)),
      rpc("INVALID_ARGUMENT", grows(30, 120)),
      rpc("NOT_FOUND", grows(10, 120)),
      rpc("RESOURCE_EXHAUSTED", grows(10, 120)),
      rpc("OK", grows(50, 120), "ModelReady"),
    ],
    checks: [{ at: "70m", alert: "ServiceAvailabilityBudgetBurn", expect: [] }],
  },
  {
    name: "a model answering 9% of its requests unavailable burns its budget and its error ratio warns",
    series: [inference("success", grows(100, 120)), inference("unavailable", grows(10, 120))],
    checks: [
      {
        at: "70m",
        alert: "ModelAvailabilityBudgetBurn",
        expect: [
          burn("Model", "availability", "critical", "90.9"),
          burn("Model", "availability", "warning", "90.9"),
        ],
      },
      {
        at: "70m",
        alert: "InferenceErrorRatioHigh",
        expect: [
          {
            labels: { ...PENGUINS, model_version: "2", severity: "warning", ...DEPENDS },
            summary: "Model penguins version 2 fails 9.091% of requests",
            description: `9.091% of the inference requests to model penguins version 2 on ${API_JOB} over the last 5m were answered unavailable (503) or error (500); the warning threshold is 5%.`,
          },
        ],
      },
    ],
  },
  {
    // The same failures as above, with no version ready: ModelNotLoaded pages the cause instead. Without
    // this, the burn page (no for:) reached people a quarter of a minute before ModelNotLoaded could mute it.
    name: "a model with no version loaded does not page its availability burn",
    series: [
      inference("success", grows(100, 120)),
      inference("unavailable", grows(10, 120)),
      modelState("2", "ready", flat(0, 120)),
    ],
    checks: [{ at: "70m", alert: "ModelAvailabilityBudgetBurn", expect: [] }],
  },
  {
    name: "a model failing half of one request a minute is too little traffic for its alerts",
    series: [inference("success", grows(0.5, 120)), inference("error", grows(0.5, 120))],
    checks: [
      { at: "75m", alert: "ModelAvailabilityBudgetBurn", expect: [] },
      { at: "75m", alert: "InferenceErrorRatioHigh", expect: [] },
    ],
  },
  {
    name: "invalid input is the client's error: no model availability alert",
    series: [inference("success", grows(100, 120)), inference("invalid_input", grows(50, 120))],
    checks: [
      { at: "70m", alert: "ModelAvailabilityBudgetBurn", expect: [] },
      { at: "70m", alert: "InferenceErrorRatioHigh", expect: [] },
    ],
  },
  {
    // The slow ones sit in the bucket just above the threshold, the fast ones in the one just below it: the
    // ratio is exact (no share of either bucket interpolated in; float rounding aside, hence six decimals)
    // as long as the threshold is a bucket bound.
    name: "20% of successful requests slower than 0.1 s burn the latency budget 20x",
    series: [
      latencies(
        [
          [0.1, 80],
          [0.25, 20],
        ],
        120,
      ),
    ],
    exprs: [
      {
        at: "70m",
        expr: rounded(sliRecordName(["job"], "latency", "errors", "5m")),
        expect: [{ labels: `{${JOB}}`, value: 0.2 }],
      },
    ],
    checks: [
      {
        at: "70m",
        alert: "ServiceLatencyBudgetBurn",
        expect: [
          burn("Service", "latency", "critical", "20.0"),
          burn("Service", "latency", "warning", "20.0"),
        ],
      },
      {
        at: "70m",
        alert: "ModelLatencyBudgetBurn",
        expect: [burn("Model", "latency", "critical", "20.0"), burn("Model", "latency", "warning", "20.0")],
      },
    ],
  },
  {
    name: "slow requests at one a minute are too little traffic to page on latency",
    series: [latencies([[INF, 1]], 120)],
    checks: [
      { at: "75m", alert: "ServiceLatencyBudgetBurn", expect: [] },
      { at: "75m", alert: "ModelLatencyBudgetBurn", expect: [] },
    ],
  },
  {
    name: "0.5% slow requests stay within the latency budget",
    series: [
      latencies(
        [
          [0.1, 199],
          [INF, 1],
        ],
        120,
      ),
    ],
    checks: [
      { at: "70m", alert: "ServiceLatencyBudgetBurn", expect: [] },
      { at: "70m", alert: "ModelLatencyBudgetBurn", expect: [] },
    ],
  },
  {
    name: "every version of a model unloaded pages; one version left ready does not",
    series: [
      modelState("1", "ready", "1 1 0 0 0 0 0 0"),
      modelState("1", "unloaded", "0 0 1 1 1 1 1 1"),
      modelState("2", "ready", "1 1 1 1 1 0 0 0 0"),
      modelState("2", "unloaded", "0 0 0 0 0 1 1 1 1"),
    ],
    checks: [
      { at: "4m", alert: "ModelNotLoaded", expect: [] },
      {
        at: "7m",
        alert: "ModelNotLoaded",
        expect: [
          {
            labels: { ...PENGUINS, instance: "10.0.0.1:8002", severity: "critical", ...DEPENDS },
            summary: "Model penguins has no version loaded",
            description: `No version of model penguins is ready on 10.0.0.1:8002 (${API_JOB}): every request for it is answered 503 until one is loaded.`,
          },
        ],
      },
    ],
  },
  {
    name: "a version that failed to load warns; one still loading does not",
    series: [modelState("3", "failed", "0 0 0 0 0 1 1 1 1"), modelState("3", "loading", "1 1 1 1 1 0 0 0 0")],
    checks: [
      { at: "4m", alert: "ModelVersionLoadFailed", expect: [] },
      {
        at: "8m",
        alert: "ModelVersionLoadFailed",
        expect: [
          {
            labels: {
              ...PENGUINS,
              instance: "10.0.0.1:8002",
              model_version: "3",
              model_state: "failed",
              severity: "warning",
              ...DEPENDS,
            },
            summary: "Model penguins version 3 failed to load",
            description: `Model penguins version 3 on ${API_JOB} (instance 10.0.0.1:8002) is in state failed: its files could not be loaded, and requests for this version get 503.`,
          },
        ],
      },
    ],
  },
  {
    name: "half the predictions at low confidence against a 5% training baseline is a collapse",
    series: [
      {
        series: `${PROM.confidence}{${API}, ${MODEL}}`,
        values: histogramGrows(
          CONFIDENCE_BUCKETS,
          [
            [0.8, 5],
            [0.9, 5],
          ],
          60,
        ),
      },
      { series: `${PROM.lowConfidenceBaseline}{${API}, ${MODEL}}`, values: flat(0.05, 60) },
    ],
    checks: [
      {
        at: "50m",
        alert: "PredictionConfidenceCollapse",
        expect: [
          {
            labels: { ...PENGUINS, model_version: "2", severity: "warning", ...DEPENDS },
            summary: "Model penguins version 2 is unsure of 50% of its predictions",
            description: `50% of the predictions of model penguins version 2 on ${API_JOB} over the last 30m had a confidence at or below 0.8; on its training data it was 5%. The inputs may have moved away from what the model knows.`,
          },
        ],
      },
    ],
  },
  {
    name: "12% low-confidence predictions against a 5% baseline, or few predictions, are no collapse",
    series: [
      {
        series: `${PROM.confidence}{${API}, ${MODEL}}`,
        values: histogramGrows(
          CONFIDENCE_BUCKETS,
          [
            [0.8, 1.2],
            [0.9, 8.8],
          ],
          60,
        ),
      },
      { series: `${PROM.lowConfidenceBaseline}{${API}, ${MODEL}}`, values: flat(0.05, 60) },
      {
        series: `${PROM.confidence}{${API}, model_name="penguins", model_version="1"}`,
        values: histogramGrows(CONFIDENCE_BUCKETS, [[0.8, 5]], 60),
      },
      {
        series: `${PROM.lowConfidenceBaseline}{${API}, model_name="penguins", model_version="1"}`,
        values: flat(0.05, 60),
      },
    ],
    checks: [{ at: "50m", alert: "PredictionConfidenceCollapse", expect: [] }],
  },
  {
    name: "a feature's PSI over the threshold for 15 minutes is drift",
    series: [
      { series: `${PROM.psi}{${API}, ${MODEL}, feature_name="bill_length_mm"}`, values: flat(0.35, 30) },
      { series: `${PROM.psi}{${API}, ${MODEL}, feature_name="body_mass_g"}`, values: flat(0.05, 30) },
      { series: `${PROM.psiThreshold}{${API}, ${MODEL}}`, values: flat(0.2, 30) },
    ],
    checks: [
      {
        at: "20m",
        alert: "FeatureDrift",
        expect: [
          {
            labels: {
              ...PENGUINS,
              model_version: "2",
              feature_name: "bill_length_mm",
              severity: "warning",
              ...DEPENDS,
            },
            summary: "Feature bill_length_mm of model penguins has drifted (PSI 0.35)",
            description: `The population stability index of feature bill_length_mm for model penguins version 2 on ${API_JOB} is 0.350, over the threshold of 0.2 (the API reports PSI only once a feature's window holds DRIFT_MIN_SAMPLES values).`,
          },
        ],
      },
    ],
  },
  {
    name: "PSI under the threshold, or not reported yet (window too small), is no drift",
    series: [
      { series: `${PROM.psi}{${API}, ${MODEL}, feature_name="body_mass_g"}`, values: flat(0.15, 30) },
      {
        series: `${PROM.windowSamples}{${API}, ${MODEL}, feature_name="bill_length_mm"}`,
        values: flat(40, 30),
      },
      { series: `${PROM.psiThreshold}{${API}, ${MODEL}}`, values: flat(0.2, 30) },
    ],
    checks: [{ at: "20m", alert: "FeatureDrift", expect: [] }],
  },
  {
    name: "a regressor's predicted values far from its training predictions are prediction drift",
    series: [
      { series: `${PROM.predictionPsi}{${API}, ${REGRESSOR}}`, values: flat(0.42, 30) },
      { series: `${PROM.psiThreshold}{${API}, ${REGRESSOR}}`, values: flat(0.2, 30) },
    ],
    checks: [
      {
        at: "20m",
        alert: "PredictionDrift",
        expect: [
          {
            labels: {
              model_name: "body-mass",
              model_version: "1",
              job: API_JOB,
              severity: "warning",
              ...DEPENDS,
            },
            summary: "Model body-mass version 1 predicts values unlike its training predictions (PSI 0.42)",
            description: `The population stability index of the values regression model body-mass version 1 on ${API_JOB} predicts, against its predictions on its training rows, is 0.420, over the threshold of 0.2. Its inputs or the world they describe may have moved.`,
          },
        ],
      },
    ],
  },
  {
    name: "a regressor's prediction PSI under the threshold, and a classifier without one, are no prediction drift",
    series: [
      { series: `${PROM.predictionPsi}{${API}, ${REGRESSOR}}`, values: flat(0.12, 30) },
      { series: `${PROM.psiThreshold}{${API}, ${REGRESSOR}}`, values: flat(0.2, 30) },
      { series: `${PROM.psiThreshold}{${API}, ${MODEL}}`, values: flat(0.2, 30) },
    ],
    checks: [{ at: "20m", alert: "PredictionDrift", expect: [] }],
  },
  {
    name: "a model predicting only Adelie where training had 44% is a class shift",
    series: classes({ Adelie: [0.44, 600], Chinstrap: [0.2, 0], Gentoo: [0.36, 0] }),
    checks: [
      {
        at: "80m",
        alert: "PredictionClassShift",
        expect: [
          {
            labels: { ...PENGUINS, model_version: "2", severity: "warning", ...DEPENDS },
            summary: "Model penguins version 2 predicts classes in shares unlike its training data",
            description: `The predicted classes of model penguins version 2 on ${API_JOB} over the last 1h differ from the training shares by a total variation distance of 0.56 (0: the same, 1: disjoint), more than 0.25 above the 0.02 that chance gives over as many predictions.`,
          },
        ],
      },
    ],
  },
  {
    name: "classes predicted in their training shares are no shift",
    series: classes({ Adelie: [0.44, 264], Chinstrap: [0.2, 120], Gentoo: [0.36, 216] }),
    checks: [{ at: "80m", alert: "PredictionClassShift", expect: [] }],
  },
  {
    name: "too few predictions in the hour to tell a shift from chance",
    series: classes({ Adelie: [0.44, 180], Chinstrap: [0.2, 0], Gentoo: [0.36, 0] }),
    checks: [{ at: "80m", alert: "PredictionClassShift", expect: [] }],
  },
  {
    // 250 predictions over a hundred even classes, counted 5, 3, 2 and 0 in turn as a sample of even shares
    // might: a distance of 0.30 that is all chance, which a bare threshold of 0.25 would call a shift.
    name: "a hundred even classes differ from their training shares by chance alone",
    series: classes(
      Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`c${i}`, [0.01, [5, 3, 2, 0][i % 4] ?? 0] as const]),
      ),
    ),
    checks: [{ at: "80m", alert: "PredictionClassShift", expect: [] }],
  },
  {
    name: "a ready model without a request for half an hour is worth knowing",
    series: [modelState("2", "ready", flat(1, 60)), inference("success", flat(500, 60))],
    checks: [
      {
        at: "40m",
        alert: "NoTraffic",
        expect: [
          {
            labels: { ...PENGUINS, severity: "info", ...DEPENDS },
            summary: "Model penguins is loaded but gets no requests",
            description: `Model penguins on ${API_JOB} is ready but has received no inference request for 15m, after earlier ones: clients may be failing before they reach it.`,
          },
        ],
      },
    ],
  },
  {
    name: "a ready model that has served no request yet (a fresh stack) is not a model whose traffic stopped",
    series: [modelState("2", "ready", flat(1, 60)), inference("success", flat(0, 60))],
    checks: [{ at: "40m", alert: "NoTraffic", expect: [] }],
  },
  {
    name: "a ready model with requests flowing has traffic",
    series: [modelState("2", "ready", flat(1, 60)), inference("success", grows(1, 60))],
    checks: [{ at: "40m", alert: "NoTraffic", expect: [] }],
  },
  {
    name: "the collector unreachable pages; reachable again, it stops",
    series: [{ series: `up{job="otel-collector", instance="127.0.0.1:8888"}`, values: "1 1 0 0 0 0 1 1 1" }],
    checks: [
      {
        at: "5m",
        alert: "CollectorDown",
        expect: [
          {
            labels: { job: "otel-collector", instance: "127.0.0.1:8888", severity: "critical" },
            summary: "The OpenTelemetry Collector is down",
            description:
              "Prometheus cannot scrape the collector's own metrics at 127.0.0.1:8888: the collector is down or hung, so it pushes no application metrics to Prometheus, and every alert computed from them is blind until it is back.",
          },
        ],
      },
      { at: "7m", alert: "CollectorDown", expect: [] },
      { at: "7m", alert: "CollectorScrapeMissing", expect: [] },
    ],
  },
  {
    name: "no scrape target for the collector",
    series: [{ series: `up{job="prometheus", instance="127.0.0.1:9090"}`, values: flat(1, 10) }],
    checks: [
      {
        at: "8m",
        alert: "CollectorScrapeMissing",
        expect: [
          {
            labels: { job: "otel-collector", severity: "warning" },
            summary: "Prometheus has no scrape target for the collector (job otel-collector)",
            description:
              "Prometheus has no target for job otel-collector: its configuration does not scrape the collector, so the collector being down would go unnoticed.",
          },
        ],
      },
      { at: "8m", alert: "CollectorDown", expect: [] },
    ],
  },
  {
    name: "the collector refusing metric points for five minutes warns; a refusal long past does not",
    series: [
      {
        series: `otelcol_receiver_refused_metric_points_total{job="otel-collector", instance="127.0.0.1:8888", receiver="otlp", transport="http"}`,
        values: grows(60, 15),
      },
      {
        series: `otelcol_receiver_refused_spans_total{job="otel-collector", instance="127.0.0.1:8888", receiver="otlp", transport="http"}`,
        values: `0 60 60x30`,
      },
    ],
    checks: [
      {
        at: "12m",
        alert: "CollectorRefusingData",
        expect: [
          {
            labels: {
              job: "otel-collector",
              instance: "127.0.0.1:8888",
              receiver: "otlp",
              severity: "warning",
              depends_on: "collector",
            },
            summary: "The collector refuses telemetry on receiver otlp",
            description:
              "The collector at 127.0.0.1:8888 refuses 1 items/s on receiver otlp (memory limiter or a full pipeline): senders drop that telemetry.",
          },
        ],
      },
      { at: "28m", alert: "CollectorRefusingData", expect: [] },
    ],
  },
  {
    name: "spans failing to reach Jaeger warn; sends that all succeed do not",
    series: [
      {
        series: `otelcol_exporter_send_failed_spans_total{job="otel-collector", instance="127.0.0.1:8888", exporter="otlp_grpc/jaeger"}`,
        values: "0 0 0 0 0 0 0 0 0 0 0 0 30+30x15",
      },
    ],
    checks: [
      { at: "10m", alert: "CollectorExportFailing", expect: [] },
      {
        at: "25m",
        alert: "CollectorExportFailing",
        expect: [
          {
            labels: {
              job: "otel-collector",
              instance: "127.0.0.1:8888",
              exporter: "otlp_grpc/jaeger",
              severity: "warning",
              depends_on: "collector",
            },
            summary: "The collector fails to export through otlp_grpc/jaeger",
            description:
              "The collector at 127.0.0.1:8888 fails to send 500m items/s through exporter otlp_grpc/jaeger: that telemetry is lost after the retries.",
          },
        ],
      },
    ],
  },
  {
    name: "metric points failing to reach Prometheus warn; sends that all succeed do not",
    series: [
      {
        series: `otelcol_exporter_send_failed_metric_points_total{job="otel-collector", instance="127.0.0.1:8888", exporter="otlp_http/prometheus"}`,
        values: "0 0 0 0 0 0 0 0 0 0 0 0 60+60x15",
      },
    ],
    checks: [
      { at: "10m", alert: "CollectorExportFailing", expect: [] },
      {
        at: "25m",
        alert: "CollectorExportFailing",
        expect: [
          {
            labels: {
              job: "otel-collector",
              instance: "127.0.0.1:8888",
              exporter: "otlp_http/prometheus",
              severity: "warning",
              depends_on: "collector",
            },
            summary: "The collector fails to export through otlp_http/prometheus",
            description:
              "The collector at 127.0.0.1:8888 fails to send 1 items/s through exporter otlp_http/prometheus: that telemetry is lost after the retries.",
          },
        ],
      },
    ],
  },
  {
    name: "Prometheus refusing pushes for five minutes warns; pushes it stores do not",
    series: [
      {
        series: `prometheus_http_requests_total{job="prometheus", instance="127.0.0.1:9090", handler="${OTLP_HANDLER}", code="200"}`,
        values: grows(600, 30),
      },
      {
        series: `prometheus_http_requests_total{job="prometheus", instance="127.0.0.1:9090", handler="${OTLP_HANDLER}", code="400"}`,
        values: "0x12 0+30x17",
      },
    ],
    checks: [
      { at: "10m", alert: "PrometheusOTLPRejecting", expect: [] },
      {
        at: "25m",
        alert: "PrometheusOTLPRejecting",
        expect: [
          {
            labels: { job: "prometheus", instance: "127.0.0.1:9090", code: "400", severity: "warning" },
            summary: "Prometheus refuses pushed metrics (HTTP 400)",
            description:
              "Prometheus 127.0.0.1:9090 answers 500m OTLP pushes/s with HTTP 400: 400 means points it cannot store (older than the out-of-order window, or a second value for one timestamp), 5xx a storage failure. Those points are lost.",
          },
        ],
      },
    ],
  },
  {
    name: "no metrics from the ML API at all pages",
    series: [{ series: `up{job="otel-collector", instance="127.0.0.1:8888"}`, values: flat(1, 10) }],
    checks: [
      {
        at: "5m",
        alert: "MLApiTelemetryMissing",
        expect: [
          {
            labels: { job: API_JOB, severity: "critical", depends_on: "collector" },
            summary: `No telemetry from the ML API (${API_JOB})`,
            description: `Prometheus has received no fresh metrics from ${API_JOB} for 2m: the API is down, cannot reach the collector, or does not export. Model and SLO alerts are blind meanwhile.`,
          },
        ],
      },
    ],
  },
  {
    name: "ML API pushes that stop page before their last samples leave the lookback",
    series: [
      modelState("2", "ready", "1x3 _x12"),
      { series: `${EXTERNAL.processCpu}{${API}, process_cpu_state="user"}`, values: "0+1x3 _x12" },
    ],
    checks: [
      { at: "3m", alert: "MLApiTelemetryMissing", expect: [] },
      {
        at: "8m",
        alert: "MLApiTelemetryMissing",
        expect: [
          {
            labels: { job: API_JOB, severity: "critical", depends_on: "collector" },
            summary: `No telemetry from the ML API (${API_JOB})`,
            description: `Prometheus has received no fresh metrics from ${API_JOB} for 2m: the API is down, cannot reach the collector, or does not export. Model and SLO alerts are blind meanwhile.`,
          },
        ],
      },
    ],
  },
  {
    name: "ML API series frozen (no longer pushed, still within the lookback) pages; fresh ones do not",
    series: [
      modelState("2", "ready", flat(1, 20)),
      { series: `${EXTERNAL.processCpu}{${API}, process_cpu_state="user"}`, values: "0+0.5x8 4x12" },
    ],
    checks: [
      { at: "6m", alert: "MLApiTelemetryMissing", expect: [] },
      {
        at: "16m",
        alert: "MLApiTelemetryMissing",
        expect: [
          {
            labels: { job: API_JOB, severity: "critical", depends_on: "collector" },
            summary: `No telemetry from the ML API (${API_JOB})`,
            description: `Prometheus has received no fresh metrics from ${API_JOB} for 2m: the API is down, cannot reach the collector, or does not export. Model and SLO alerts are blind meanwhile.`,
          },
        ],
      },
    ],
  },
  {
    name: "failed rule evaluations page; none in the last five minutes do not",
    series: [
      {
        series: `${EXTERNAL.ruleFailures}{job="prometheus", instance="127.0.0.1:9090", rule_group="/etc/prometheus/rules/slo.yml;inferwatch-sli"}`,
        values: "0 0 0 3 3 3 3 3 3 3 3 3 3 3",
      },
    ],
    checks: [
      { at: "2m", alert: "PrometheusRuleEvaluationFailures", expect: [] },
      {
        at: "5m",
        alert: "PrometheusRuleEvaluationFailures",
        expect: [
          {
            labels: {
              job: "prometheus",
              instance: "127.0.0.1:9090",
              rule_group: "/etc/prometheus/rules/slo.yml;inferwatch-sli",
              severity: "critical",
            },
            summary:
              "Prometheus fails to evaluate rules of group /etc/prometheus/rules/slo.yml;inferwatch-sli",
            description:
              "3 evaluations of rule group /etc/prometheus/rules/slo.yml;inferwatch-sli failed on 127.0.0.1:9090 in the last 5m: its alerts may not fire when they should.",
          },
        ],
      },
      { at: "13m", alert: "PrometheusRuleEvaluationFailures", expect: [] },
    ],
  },
  {
    name: "Prometheus without an Alertmanager pages",
    series: [
      {
        series: `${EXTERNAL.alertmanagersDiscovered}{job="prometheus", instance="127.0.0.1:9090"}`,
        values: flat(0, 10),
      },
    ],
    checks: [
      {
        at: "8m",
        alert: "PrometheusNotConnectedToAlertmanager",
        expect: [
          {
            labels: { job: "prometheus", instance: "127.0.0.1:9090", severity: "critical" },
            summary: "Prometheus 127.0.0.1:9090 cannot hand alerts to Alertmanager",
            description:
              "Prometheus 127.0.0.1:9090 has no Alertmanager to send to, or its sends to every one fail: alerts fire in Prometheus but reach nobody. This one arrives only if another path still works; the missing Watchdog heartbeat is the reliable sign.",
          },
        ],
      },
    ],
  },
  {
    name: "Prometheus with its Alertmanager and no send errors is connected",
    series: [
      {
        series: `${EXTERNAL.alertmanagersDiscovered}{job="prometheus", instance="127.0.0.1:9090"}`,
        values: flat(1, 10),
      },
      {
        series: `${EXTERNAL.notificationErrors}{job="prometheus", instance="127.0.0.1:9090", alertmanager="http://127.0.0.1:9093/api/v2/alerts"}`,
        values: flat(0, 10),
      },
    ],
    checks: [
      { at: "8m", alert: "PrometheusNotConnectedToAlertmanager", expect: [] },
      { at: "8m", alert: "PrometheusAlertmanagerSendErrors", expect: [] },
    ],
  },
  {
    name: "one Alertmanager of two failing warns and does not page",
    series: [
      {
        series: `${EXTERNAL.alertmanagersDiscovered}{job="prometheus", instance="127.0.0.1:9090"}`,
        values: flat(2, 10),
      },
      {
        series: `${EXTERNAL.notificationErrors}{job="prometheus", instance="127.0.0.1:9090", alertmanager="http://127.0.0.1:9093/api/v2/alerts"}`,
        values: grows(6, 10),
      },
      {
        series: `${EXTERNAL.notificationErrors}{job="prometheus", instance="127.0.0.1:9090", alertmanager="http://127.0.0.1:9095/api/v2/alerts"}`,
        values: flat(0, 10),
      },
    ],
    checks: [
      { at: "8m", alert: "PrometheusNotConnectedToAlertmanager", expect: [] },
      {
        at: "8m",
        alert: "PrometheusAlertmanagerSendErrors",
        expect: [
          {
            labels: {
              job: "prometheus",
              instance: "127.0.0.1:9090",
              alertmanager: "http://127.0.0.1:9093/api/v2/alerts",
              severity: "warning",
            },
            summary: "Prometheus 127.0.0.1:9090 fails to send alerts to http://127.0.0.1:9093/api/v2/alerts",
            description:
              "Prometheus 127.0.0.1:9090 fails to send alerts to the Alertmanager at http://127.0.0.1:9093/api/v2/alerts. The other nodes of a cluster still deliver, with one fewer left to lose; a single Alertmanager failing also pages PrometheusNotConnectedToAlertmanager.",
          },
        ],
      },
    ],
  },
  {
    name: "every Alertmanager failing pages",
    series: [
      {
        series: `${EXTERNAL.alertmanagersDiscovered}{job="prometheus", instance="127.0.0.1:9090"}`,
        values: flat(2, 10),
      },
      {
        series: `${EXTERNAL.notificationErrors}{job="prometheus", instance="127.0.0.1:9090", alertmanager="http://127.0.0.1:9093/api/v2/alerts"}`,
        values: grows(6, 10),
      },
      {
        series: `${EXTERNAL.notificationErrors}{job="prometheus", instance="127.0.0.1:9090", alertmanager="http://127.0.0.1:9095/api/v2/alerts"}`,
        values: grows(6, 10),
      },
    ],
    checks: [
      {
        at: "8m",
        alert: "PrometheusNotConnectedToAlertmanager",
        expect: [
          {
            labels: { job: "prometheus", instance: "127.0.0.1:9090", severity: "critical" },
            summary: "Prometheus 127.0.0.1:9090 cannot hand alerts to Alertmanager",
            description:
              "Prometheus 127.0.0.1:9090 has no Alertmanager to send to, or its sends to every one fail: alerts fire in Prometheus but reach nobody. This one arrives only if another path still works; the missing Watchdog heartbeat is the reliable sign.",
          },
        ],
      },
    ],
  },
  {
    name: "email notifications failing for five minutes warn; Slack sending fine does not",
    series: [
      {
        series: `${EXTERNAL.notificationsFailed}{job="alertmanager", instance="127.0.0.1:9093", integration="email"}`,
        values: grows(6, 15),
      },
      {
        series: `${EXTERNAL.notificationsFailed}{job="alertmanager", instance="127.0.0.1:9093", integration="slack"}`,
        values: flat(0, 15),
      },
    ],
    checks: [
      { at: "3m", alert: "AlertmanagerNotificationsFailing", expect: [] },
      {
        at: "12m",
        alert: "AlertmanagerNotificationsFailing",
        expect: [
          {
            labels: {
              job: "alertmanager",
              instance: "127.0.0.1:9093",
              integration: "email",
              severity: "warning",
            },
            summary: "Alertmanager fails to send email notifications",
            description:
              "Alertmanager 127.0.0.1:9093 fails 80m email notifications/s: people on that channel are not being told about alerts.",
          },
        ],
      },
    ],
  },
  {
    name: "one notification failing on every retry period (one failure counted each 5 min) warns",
    series: [
      {
        series: `${EXTERNAL.notificationsFailed}{job="alertmanager", instance="127.0.0.1:9093", integration="slack"}`,
        values: "0x4 1x4 2x4 3x4 4x4 5x4",
      },
    ],
    checks: [
      {
        at: "14m",
        alert: "AlertmanagerNotificationsFailing",
        expect: [
          {
            labels: {
              job: "alertmanager",
              instance: "127.0.0.1:9093",
              integration: "slack",
              severity: "warning",
            },
            summary: "Alertmanager fails to send slack notifications",
            // A 5 min window reads zero here (no failure counted in 10-14m), so the alert would not fire.
            description:
              "Alertmanager 127.0.0.1:9093 fails 2.222m slack notifications/s: people on that channel are not being told about alerts.",
          },
        ],
      },
    ],
  },
  {
    name: "the Watchdog always fires",
    series: [],
    checks: [
      {
        at: "1m",
        alert: "Watchdog",
        expect: [
          {
            labels: { severity: "info" },
            summary: "Alerting works: this alert always fires",
            description:
              "Always firing, routed to the heartbeat receiver. When the heartbeat stops, something between Prometheus and the notification channels is broken.",
          },
        ],
      },
    ],
  },
  {
    name: "the recorded request rate, averaged over a panel's interval, is the raw rate, summed over instances",
    interval: "15s",
    series: [
      http(200, grows(15, 80)),
      {
        series: `${EXTERNAL.httpDuration}{${JOB}, instance="10.0.0.2:8002", ${INFER_ROUTE}, http_response_status_code="200"}`,
        values: countsAsHistogram(grows(30, 80), RPC_SECONDS_BUCKETS),
      },
      http(500, grows(1.5, 80)),
    ],
    checks: [],
    exprs: [
      {
        at: "15m",
        expr: `sum by (http_route) (avg_over_time(${recordName(RECORDED.httpRequests)}{${JOB}}[5m]))`,
        expect: [{ labels: `{http_route="${HTTP_ROUTES.v2Infer.template}"}`, value: 3.1 }],
      },
      {
        at: "15m",
        expr: `sum by (http_response_status_code) (avg_over_time(${recordName(RECORDED.httpRequests)}{${JOB}}[5m]))`,
        expect: [
          { labels: `{http_response_status_code="200"}`, value: 3 },
          { labels: `{http_response_status_code="500"}`, value: 0.1 },
        ],
      },
    ],
  },
  {
    name: "recorded latency quantiles interpolate within the bucket the rank falls in",
    interval: "15s",
    series: [
      latencies(
        [
          [0.05, 5],
          [0.1, 4],
          [0.25, 1],
        ],
        80,
      ),
    ],
    checks: [],
    exprs: [0.5, 0.95, 0.99].map((q) => ({
      at: "15m",
      expr: rounded(`${recordName(RECORDED.inferenceLatency)}{quantile="${q}"}`),
      expect: [
        {
          labels: `{${JOB}, ${MODEL}, quantile="${q}"}`,
          value: { 0.5: 0.05, 0.95: 0.175, 0.99: 0.235 }[q] ?? Number.NaN,
        },
      ],
    })),
  },
  {
    name: "the error budget spent, summed from the recorded minute rates, is the failed share over the budget",
    interval: "15s",
    series: [
      http(200, grows(15, 80)),
      http(503, grows(0.15, 80)),
      http(503, grows(15, 80), `http_route="${HTTP_ROUTES.readyz.template}", http_request_method="GET"`),
      latencies(
        [
          [0.1, 9.5],
          [INF, 0.5],
        ],
        80,
      ),
    ],
    checks: [],
    exprs: [
      {
        at: "15m",
        expr: rounded(budgetSpent("availability")),
        expect: [{ labels: `{${JOB}}`, value: 9.90099 }],
      },
      {
        at: "15m",
        expr: rounded(budgetSpent("latency")),
        expect: [{ labels: `{${JOB}}`, value: 5 }],
      },
    ],
  },
  {
    name: "the confidence heatmap's recorded buckets are cumulative per minute, an idle version's zero, not NaN",
    interval: "15s",
    series: [
      {
        series: `${PROM.confidence}{${API}, ${MODEL}}`,
        values: histogramGrows(
          CONFIDENCE_BUCKETS,
          [
            [0.8, 5],
            [0.9, 5],
          ],
          80,
        ),
      },
      {
        series: `${PROM.confidence}{${API}, model_name="penguins", model_version="1"}`,
        values: histogramGrows(CONFIDENCE_BUCKETS, [], 80),
      },
    ],
    checks: [],
    // The heatmap's query: every bucket of both versions, the open-ended first and last included.
    exprs: [
      {
        at: "15m",
        expr: rounded(`sum by (le) (avg_over_time(${recordName(RECORDED.confidenceBuckets)}{${JOB}}[5m]))`),
        expect: [...CONFIDENCE_BUCKETS.map(String), "+Inf"].map((le) => ({
          labels: `{le="${le}"}`,
          value: Number(le) < 0.8 ? 0 : Number(le) < 0.9 ? 20 : 40,
        })),
      },
    ],
  },
  {
    // Samples every 15 s, the anchored minutes evaluated 30 s late: at 30m, a 20m range sums the minutes
    // recorded at 10m30s to 29m30s, which cover (9m30s, 29m30s]. Labels fall just inside and just outside
    // those ends and on sample pairs that straddle two minutes, which extrapolated minutes would lose or
    // count 4/3 times.
    name: "the confusion matrix, summed from the recorded minutes, counts every label in its range exactly",
    interval: "15s",
    series: [
      // +1 at 9m15s (before the range), +2 at 9m45s, +1 at 20m, +1 at 29m30s, +5 at 29m45s (after): 4.
      cell("10.0.0.1:8002", "Adelie", "Adelie", "0x36 1x1 3x40 4x37 5 10x12"),
      // +3 at 12m30s, a restart at 15m back to zero, +2 at 17m30s: 5.
      cell("10.0.0.2:8002", "Adelie", "Adelie", "0x49 3x9 0x9 2x60"),
      // A replica starting at 10m with its matrix at zero: +1 at 15m, +1 at 22m30s.
      cell("10.0.0.3:8002", "Chinstrap", "Adelie", "_x39 0x19 1x29 2x40"),
      // A replica gone at 17m30s (pushed series just stop): +1 at 7m30s (before), +1 at 15m.
      cell("10.0.0.4:8002", "Chinstrap", "Adelie", "0x29 1x29 2x9 _x60"),
    ],
    checks: [],
    exprs: [
      {
        at: "30m",
        expr: confusionPanel(20 * 60_000),
        expect: [
          { labels: `{${MODEL}, prediction_class="Adelie", feedback_class="Adelie"}`, value: 9 },
          { labels: `{${MODEL}, prediction_class="Chinstrap", feedback_class="Adelie"}`, value: 3 },
        ],
      },
      // The shortest range that holds a recorded minute: the one recorded at 29m30s, (28m30s, 29m30s].
      {
        at: "30m",
        expr: confusionPanel(60_000),
        expect: [
          { labels: `{${MODEL}, prediction_class="Adelie", feedback_class="Adelie"}`, value: 1 },
          { labels: `{${MODEL}, prediction_class="Chinstrap", feedback_class="Adelie"}`, value: 0 },
        ],
      },
    ],
  },
  ...QUALITY_RULE_CASES,
];

/** Alerts that cannot have a quiet case, and why. */
export const NO_QUIET_CASE: Record<string, string> = {
  Watchdog: "it fires by design at every evaluation; its silence is what the heartbeat receiver detects",
};
