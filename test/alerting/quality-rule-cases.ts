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
// Histograms are native ones; the quality rules read only their counts and sums (see countsAsHistogram).
const delays = (values: string, model = MODEL) => ({
  series: `${PROM.feedbackDelay}{${API}, ${model}}`,
  values: countsAsHistogram(values, FEEDBACK_DELAY_BUCKETS),
});
/** A regressor's absolute-error bounds are shares of its predictions' range: these stand for some. */
const ABSOLUTE_ERROR_BOUNDS = [1, 5];
const baseline = (accuracy: number) => ({
  series: `${PROM.qualityBaseline}{${API}, ${MODEL}, quality_metric="accuracy"}`,
  values: flat(accuracy, STEPS),
});
/** Predictions whose mean confidence is `mean`, `perStep` a minute. */
const confidence = (mean: number, perStep: number, steps = STEPS, model = MODEL) => [
  {
    series: `${PROM.confidence}{${API}, ${model}}`,
    values: countsAsHistogram(grows(perStep, steps), CONFIDENCE_BUCKETS, grows(mean * perStep, steps)),
  },
];
const BODY_MASS_V1 = { job: API_JOB, model_name: "body-mass", model_version: "1" };
/** The regressor's card MAE. */
const maeBaseline = (mae: number) => ({
  series: `${PROM.qualityBaseline}{${API}, ${REGRESSOR}, quality_metric="mae"}`,
  values: flat(mae, STEPS),
});
/**
 * The regressor's labels: `n` a minute whose absolute errors sum to `absolute` and whose squared errors sum to
 * `squared`, with their delays counted.
 */
const errors = (n: number, absolute: number, squared: number, model = REGRESSOR) => [
  {
    series: `${PROM.feedbackAbsoluteError}{${API}, ${model}}`,
    values: countsAsHistogram(grows(n, STEPS), ABSOLUTE_ERROR_BOUNDS, grows(absolute, STEPS)),
  },
  { series: `${PROM.feedbackSquaredError}{${API}, ${model}}`, values: grows(squared, STEPS) },
  delays(grows(n, STEPS), model),
];
/** Ten predictions a minute whose mean confidence is `before` for STEPS minutes, then `after` up to LONG_STEPS. */
const confidenceFalling = (before: number, after: number, model = MODEL) => [
  {
    series: `${PROM.confidence}{${API}, ${model}}`,
    values: countsAsHistogram(
      `${grows(10, STEPS)} ${(STEPS + 1) * 10}+10x${LONG_STEPS - STEPS - 1}`,
      CONFIDENCE_BUCKETS,
      `${grows(before * 10, STEPS)} ${(before * STEPS + after) * 10}+${after * 10}x${LONG_STEPS - STEPS - 1}`,
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
      {
        series: `${PROM.feedbackAbsoluteError}{${API}, ${REGRESSOR}}`,
        values: countsAsHistogram(grows(10, 90), ABSOLUTE_ERROR_BOUNDS, grows(30, 90)),
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
      // 600 labels, Σ|e| 1800, Σe² 9600: s² = (9600 − 1800²/600) / 599, t(599) = 1.647549.
      {
        at: "80m",
        expr: rounded(Q.maeLower),
        expect: [{ labels: `{${JOB}, ${REGRESSOR}}`, value: 2.821896 }],
      },
      {
        at: "80m",
        expr: rounded(Q.maeUpper),
        expect: [{ labels: `{${JOB}, ${REGRESSOR}}`, value: 3.178104 }],
      },
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
    name: "a confidence falling from 95% to 60%, with labels for few predictions, warns early",
    series: [baseline(0.97), ...confidenceFalling(0.95, 0.6), delays(grows(0.5, LONG_STEPS))],
    checks: [
      {
        at: "145m",
        alert: "EstimatedAccuracyFalling",
        expect: [
          {
            labels: { ...PENGUINS_V2, severity: "warning", ...DEPENDS },
            summary:
              "Model penguins version 2's confidence fell to at most 65.56%, with too few labels to check it",
            description: `The mean confidence of model penguins version 2 on ${API_JOB} over the last 1h, the accuracy a calibrated model expects of itself, is 62.37%, down from 95% over the preceding 1d. With 95% confidence it fell by more than 10 points, and labels came for fewer than 10% of its predictions in that window, too few to say whether it is also wrong.`,
          },
        ],
      },
    ],
  },
  {
    name: "a confidence steadily below the card, or falling while labels arrive, is no early warning",
    series: [
      baseline(0.97),
      ...confidence(0.6, 10, LONG_STEPS),
      ...confidenceFalling(0.95, 0.6, `model_name="penguins", model_version="1"`),
      delays(grows(5, LONG_STEPS), `model_name="penguins", model_version="1"`),
    ],
    checks: [{ at: "145m", alert: "EstimatedAccuracyFalling", expect: [] }],
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
    name: "a regressor off by 250 on 600 labels, for a card that says 100, has lost quality",
    // |e| averages 250 with a standard deviation of 100: the squared errors sum to 250² + 100² per label.
    series: [maeBaseline(100), ...errors(10, 2500, 725_000)],
    checks: [
      {
        at: "80m",
        alert: "ModelErrorAboveBaseline",
        expect: [
          {
            labels: { ...BODY_MASS_V1, severity: "critical", ...DEPENDS },
            summary: "Model body-mass version 1 is off by at least 243.3 on average",
            description: `Over the last 1h, the labelled predictions of model body-mass version 1 on ${API_JOB} were off by 250 on average (600 labels); with 95% confidence its mean absolute error is at least 243.3, more than 25% above the MAE on its card (100).`,
          },
        ],
      },
    ],
  },
  {
    name: "five labels, one far off, prove nothing; many labels at the card's error are no loss",
    series: [
      maeBaseline(100),
      // Four errors of 50 and one of 1300 an hour: a mean of 300, three times the card, from one label.
      ...errors(5 / 60, 1500 / 60, (4 * 50 ** 2 + 1300 ** 2) / 60),
      {
        series: `${PROM.qualityBaseline}{${API}, model_name="body-mass", model_version="2", quality_metric="mae"}`,
        values: flat(100, STEPS),
      },
      // The card's mean error with a standard deviation of 80, over many labels.
      ...errors(10, 1000, 10 * (100 ** 2 + 80 ** 2), `model_name="body-mass", model_version="2"`),
    ],
    checks: [{ at: "80m", alert: "ModelErrorAboveBaseline", expect: [] }],
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
