import { CONFIDENCE_BUCKETS, FEEDBACK_DELAY_BUCKETS } from "../../contract/histogram-buckets.js";
import { PROM } from "../../contract/prometheus-names.js";
import { qualitySeries } from "../../contract/quality-series.js";
import { API_JOB } from "../../prometheus/rules/pipeline-alerts.js";
import {
  API,
  countsAsHistogram,
  DEPENDS,
  flat,
  grows,
  histogramGrows,
  JOB,
  MODEL,
  REGRESSOR,
  rounded,
} from "./rule-case-support.js";
import type { RuleCase } from "./rule-cases.js";

/**
 * promtool cases of the quality rules (prometheus/rules/quality-rules.ts): the recorded accuracy, per-class
 * precision and recall, macro F1, MAE and RMSE against figures worked out by hand, and each quality alert
 * firing and staying quiet, the Wilson bound's guard against few labels included.
 */

const Q = qualitySeries("1h");
/** Enough minutes for an hour's window to fill and a `for:` to pass; the stopped-labels cases need more. */
const STEPS = 90;
const LONG_STEPS = 150;
const PENGUINS_V2 = { job: API_JOB, model_name: "penguins", model_version: "2" };

/** Labelled predictions of penguins version 2, `predicted` -> `actual`, growing by `perStep` a minute. */
const labelled = (predicted: string, actual: string, values: string) => ({
  series: `${PROM.feedback}{${API}, ${MODEL}, prediction_class="${predicted}", feedback_class="${actual}"}`,
  values,
});
const delays = (values: string, model = MODEL) => ({
  series: `${PROM.feedbackDelay}{${API}, ${model}}`,
  values: countsAsHistogram(values, FEEDBACK_DELAY_BUCKETS),
});
const baseline = (accuracy: number) => ({
  series: `${PROM.qualityBaseline}{${API}, ${MODEL}, quality_metric="accuracy"}`,
  values: flat(accuracy, STEPS),
});
/** Predictions whose mean confidence is `mean`, `perStep` a minute (in the bucket of the mean). */
const confidence = (mean: number, perStep: number, steps = STEPS, model = MODEL) => [
  {
    series: `${PROM.confidence}{${API}, ${model}}`,
    values: histogramGrows(
      CONFIDENCE_BUCKETS,
      [[CONFIDENCE_BUCKETS.find((b) => b >= mean) ?? Number.POSITIVE_INFINITY, perStep]],
      steps,
      mean * perStep,
    ),
  },
];
/** `right` of every `right + wrong` labels a minute correct, with their delays counted. */
const labels = (right: number, wrong: number) => [
  labelled("Adelie", "Adelie", grows(right, STEPS)),
  labelled("Adelie", "Chinstrap", grows(wrong, STEPS)),
  delays(grows(right + wrong, STEPS)),
];

export const QUALITY_RULE_CASES: RuleCase[] = [
  {
    name: "the recorded accuracy, precision, recall and macro F1 follow from the confusion matrix",
    series: [
      labelled("A", "A", grows(5, 90)),
      labelled("A", "B", grows(1, 90)),
      labelled("B", "B", grows(3, 90)),
      labelled("B", "C", grows(1, 90)),
      labelled("C", "C", grows(2, 90)),
      delays(grows(12, 90)),
      ...confidence(0.9, 24, 90),
      // A regressor's absolute-error bounds are shares of its predictions' range; these stand for some.
      {
        series: `${PROM.feedbackAbsoluteError}{${API}, ${REGRESSOR}}`,
        values: histogramGrows([1, 5], [[5, 10]], 90, 30),
      },
      { series: `${PROM.feedbackSquaredError}{${API}, ${REGRESSOR}}`, values: grows(160, 90) },
    ],
    checks: [],
    exprs: [
      // 10 of 12 right; F1 per class 2·TP/(predicted + true): A 10/11, B 6/8, C 4/5.
      { at: "80m", expr: rounded(Q.accuracy), expect: [{ labels: `{${JOB}, ${MODEL}}`, value: 0.833333 }] },
      { at: "80m", expr: rounded(Q.macroF1), expect: [{ labels: `{${JOB}, ${MODEL}}`, value: 0.819697 }] },
      {
        at: "80m",
        expr: rounded(Q.precision),
        expect: [
          { labels: `{${JOB}, ${MODEL}, class="A"}`, value: 0.833333 },
          { labels: `{${JOB}, ${MODEL}, class="B"}`, value: 0.75 },
          { labels: `{${JOB}, ${MODEL}, class="C"}`, value: 1 },
        ],
      },
      {
        at: "80m",
        expr: rounded(Q.recall),
        expect: [
          { labels: `{${JOB}, ${MODEL}, class="A"}`, value: 1 },
          { labels: `{${JOB}, ${MODEL}, class="B"}`, value: 0.75 },
          { labels: `{${JOB}, ${MODEL}, class="C"}`, value: 0.666667 },
        ],
      },
      // Half the predictions labelled; mean confidence 0.9.
      { at: "80m", expr: rounded(Q.coverage), expect: [{ labels: `{${JOB}, ${MODEL}}`, value: 0.5 }] },
      { at: "80m", expr: rounded(Q.estimated), expect: [{ labels: `{${JOB}, ${MODEL}}`, value: 0.9 }] },
      { at: "80m", expr: rounded(Q.mae), expect: [{ labels: `{${JOB}, ${REGRESSOR}}`, value: 3 }] },
      { at: "80m", expr: rounded(Q.rmse), expect: [{ labels: `{${JOB}, ${REGRESSOR}}`, value: 4 }] },
    ],
  },
  {
    name: "six of ten labelled predictions right, for a model whose card says 97%, is a drop",
    series: [baseline(0.97), ...labels(6, 4), ...confidence(0.6, 10)],
    checks: [
      {
        at: "80m",
        alert: "ModelAccuracyBelowBaseline",
        expect: [
          {
            labels: { ...PENGUINS_V2, severity: "critical", ...DEPENDS },
            summary: "Model penguins version 2 is right on at most 63.24% of labelled predictions",
            description: `Over the last 1h, model penguins version 2 on ${API_JOB} was right on 60% of the predictions labelled (600 labels); with 95% confidence its accuracy is at most 63.24%, more than 5 points below the held-out accuracy on its card (97%).`,
          },
        ],
      },
    ],
  },
  {
    name: "four of five right is below the card, but five labels prove nothing; 97% of many is no drop",
    series: [
      baseline(0.97),
      labelled("Adelie", "Adelie", grows(4 / 60, STEPS)),
      labelled("Adelie", "Chinstrap", grows(1 / 60, STEPS)),
      {
        series: `${PROM.qualityBaseline}{${API}, model_name="penguins", model_version="1", quality_metric="accuracy"}`,
        values: flat(1, STEPS),
      },
      {
        series: `${PROM.feedback}{${API}, model_name="penguins", model_version="1", prediction_class="Adelie", feedback_class="Adelie"}`,
        values: grows(97, STEPS),
      },
      {
        series: `${PROM.feedback}{${API}, model_name="penguins", model_version="1", prediction_class="Gentoo", feedback_class="Adelie"}`,
        values: grows(3, STEPS),
      },
    ],
    checks: [{ at: "80m", alert: "ModelAccuracyBelowBaseline", expect: [] }],
  },
  {
    name: "a confidence falling to 60% with no label to check it warns early",
    series: [baseline(0.97), ...confidence(0.6, 10)],
    checks: [
      {
        at: "80m",
        alert: "EstimatedAccuracyFalling",
        expect: [
          {
            labels: { ...PENGUINS_V2, severity: "warning", ...DEPENDS },
            summary:
              "Model penguins version 2 expects to be right on at most 63.24% of predictions, and no labels say otherwise",
            description: `The mean confidence of model penguins version 2 on ${API_JOB} over the last 1h is 60%: a calibrated model is right that often. With 95% confidence that is at most 63.24%, more than 10 points below its card's held-out accuracy, and no label arrived in that window to confirm or refute it.`,
          },
        ],
      },
    ],
  },
  {
    name: "a falling confidence while labels arrive, and a confident model, are no early warning",
    series: [
      baseline(0.97),
      ...confidence(0.6, 10),
      delays(grows(1, STEPS)),
      {
        series: `${PROM.qualityBaseline}{${API}, model_name="penguins", model_version="1", quality_metric="accuracy"}`,
        values: flat(1, STEPS),
      },
      ...confidence(0.95, 10, STEPS, `model_name="penguins", model_version="1"`),
    ],
    checks: [{ at: "80m", alert: "EstimatedAccuracyFalling", expect: [] }],
  },
  {
    name: "a model 95% confident and 60% right has lost what its confidence meant",
    series: [baseline(0.97), ...labels(6, 4), ...confidence(0.95, 10)],
    checks: [
      {
        at: "80m",
        alert: "AccuracyEstimateGap",
        expect: [
          {
            labels: { ...PENGUINS_V2, severity: "warning", ...DEPENDS },
            summary: "Model penguins version 2's confidence no longer predicts its accuracy",
            description: `Over the last 1h, model penguins version 2 on ${API_JOB} expected to be right on 95% of its predictions (mean confidence) and was right on 60% of those labelled: a gap of more than 15 points beyond the 95% bound of the labels. What its inputs mean has changed (concept drift): retrain, or recalibrate.`,
          },
        ],
      },
    ],
  },
  {
    name: "a model 95% confident and 90% right is within its bound",
    series: [baseline(0.97), ...labels(9, 1), ...confidence(0.95, 10)],
    checks: [{ at: "80m", alert: "AccuracyEstimateGap", expect: [] }],
  },
  {
    name: "labels that arrived for an hour and stopped while predictions go on",
    series: [
      labelled("Adelie", "Adelie", `${grows(5, 60)} ${flat(300, LONG_STEPS - 60)}`),
      delays(`${grows(5, 60)} ${flat(300, LONG_STEPS - 60)}`),
      ...confidence(0.9, 10, LONG_STEPS),
    ],
    checks: [
      {
        at: "140m",
        alert: "FeedbackStopped",
        expect: [
          {
            labels: { ...PENGUINS_V2, severity: "warning", ...DEPENDS },
            summary: "Labels for model penguins version 2 stopped",
            description: `Model penguins version 2 on ${API_JOB} received labels over the last 1d but none over the last 1h, while it kept predicting: its realized accuracy is going stale.`,
          },
        ],
      },
    ],
  },
  {
    name: "labels still arriving, or a model no longer predicting, are no stopped feedback",
    series: [
      delays(grows(5, LONG_STEPS)),
      ...confidence(0.9, 10, LONG_STEPS),
      delays(`${grows(5, 60)} ${flat(300, LONG_STEPS - 60)}`, `model_name="penguins", model_version="1"`),
      {
        series: `${PROM.confidence}{${API}, model_name="penguins", model_version="1"}`,
        values: countsAsHistogram(`${grows(5, 60)} ${flat(300, LONG_STEPS - 60)}`, CONFIDENCE_BUCKETS),
      },
    ],
    checks: [{ at: "140m", alert: "FeedbackStopped", expect: [] }],
  },
];
