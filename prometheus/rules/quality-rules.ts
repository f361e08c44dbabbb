import { QUALITY } from "../../contract/alerting-config.js";
import type { Timescale } from "../../contract/duration.js";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { ACTUAL, CLASS, MV, PREDICTED, qualitySeries } from "../../contract/quality-series.js";
import {
  alertRule,
  DEPENDS,
  DEPENDS_ON,
  list,
  num,
  type RecordingRule,
  type RuleGroup,
} from "./rule-model.js";

/**
 * Model quality: realized from labels joined to predictions (the feedback route), estimated from the
 * confidence of the predictions themselves, and the model card's held-out quality as the baseline. Records
 * per window (QUALITY.windows), then alerts on the shortest.
 */

const M = promLabel(ATTR.model);
const V = promLabel(ATTR.version);
const mv = list(MV);
const sumBy = (by: readonly string[], inner: string) => `sum by (${list(by)}) (${inner})`;
const z = num(QUALITY.z);
const z2 = num(QUALITY.z * QUALITY.z);

/**
 * One-sided Wilson score bound of a proportion `p` observed over `n` trials (`sign` 1: upper, -1: lower).
 * Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is honest for few trials and p near 0 or 1.
 */
export function wilson(p: string, n: string, sign: 1 | -1): string {
  return [
    `(`,
    `  ${p} + ${z2} / (2 * ${n})`,
    `  ${sign > 0 ? "+" : "-"} ${z} * sqrt(${p} * (1 - ${p}) / ${n} + ${z2} / (4 * ${n} ^ 2))`,
    `)`,
    `/ on (${mv})`,
    `(1 + ${z2} / ${n})`,
  ].join("\n");
}

/**
 * The one-sided Student-t quantile at `z` for df degrees of freedom is about z + first/df + second/df²: the
 * Cornish-Fisher expansion (Abramowitz and Stegun 26.7.5) to its second term, since PromQL has no t
 * distribution. Close from a handful of degrees of freedom on; below that it is too small, and only the
 * spread of a handful of errors guards.
 */
export function studentTTerms(z: number): [number, number, number] {
  return [z, (z ** 3 + z) / 4, (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96];
}

function studentT(df: string): string {
  const [z, first, second] = studentTTerms(QUALITY.z);
  return `(${num(z)} + ${num(first)} / ${df} + ${num(second)} / ${df} ^ 2)`;
}

/** A regressor's labelled predictions over a window: how many, their absolute errors and squared errors summed. */
function errorSums(w: string) {
  return {
    n: sumBy(MV, `histogram_count(increase(${PROM.feedbackAbsoluteError}[${w}]))`),
    absolute: sumBy(MV, `histogram_sum(increase(${PROM.feedbackAbsoluteError}[${w}]))`),
    squared: sumBy(MV, `increase(${PROM.feedbackSquaredError}[${w}])`),
  };
}

/**
 * One-sided Student-t bound of the mean absolute error (`sign` 1: upper, -1: lower): MAE ± t·s/√n, s the
 * sample standard deviation of |e|, which follows from Σe², Σ|e| and n as (Σe² − (Σ|e|)²/n) / (n − 1).
 * Absolute errors are skewed, so this leans on the central limit theorem; the t quantile widens it for few
 * labels, where the sample variance itself is unsure. Needs two labels, and rounding cannot make it negative.
 */
function maeBound(mae: string, w: string, sign: 1 | -1): string {
  const e = errorSums(w);
  const n = `(${e.n} > 1)`;
  return [
    `${mae}`,
    `${sign > 0 ? "+" : "-"} on (${mv})`,
    `${studentT(`(${n} - 1)`)}`,
    `* sqrt(clamp_min(${e.squared} - ${e.absolute} ^ 2 / ${n}, 0) / (${n} - 1) / ${n})`,
  ].join("\n");
}

/** Predictions made in a window, classifier or regressor. */
function predictionCount(w: string): string {
  return `(${sumBy(MV, `histogram_count(increase(${PROM.confidence}[${w}]))`)} or ${sumBy(MV, `histogram_count(increase(${PROM.predictedValue}[${w}]))`)})`;
}

function recordsFor(w: string): RecordingRule[] {
  const q = qualitySeries(w);
  const byClass = (label: string) => `label_replace(${q.confusion}, "${CLASS}", "$1", "${label}", "(.*)")`;
  // The confusion matrix's diagonal: a series whose predicted class equals its true class. PromQL cannot
  // compare two labels of one series, so the true class is copied into the predicted-class label of the
  // per-true-class totals and the matrix is matched against that on both labels.
  const diagonal = [
    `${q.confusion}`,
    `and on (${list([...MV, PREDICTED, ACTUAL])})`,
    `label_replace(${sumBy([...MV, ACTUAL], q.confusion)}, "${PREDICTED}", "$1", "${ACTUAL}", "(.*)")`,
  ].join("\n");
  const tp = sumBy(
    [...MV, CLASS],
    `label_replace(\n${diagonal}\n, "${CLASS}", "$1", "${PREDICTED}", "(.*)")`,
  );
  const predicted = sumBy([...MV, CLASS], byClass(PREDICTED));
  const actual = sumBy([...MV, CLASS], byClass(ACTUAL));
  const e = errorSums(w);
  const errors = `${e.n} > 0`;
  const confidenceCount = sumBy(MV, `histogram_count(increase(${PROM.confidence}[${w}]))`);
  return [
    { record: q.confusion, expr: sumBy([...MV, PREDICTED, ACTUAL], `increase(${PROM.feedback}[${w}])`) },
    { record: q.labels, expr: sumBy(MV, `histogram_count(increase(${PROM.feedbackDelay}[${w}]))`) },
    {
      record: q.accuracy,
      expr: `${sumBy(MV, `\n${diagonal}\n`)}\n/\n(${sumBy(MV, q.confusion)} > 0)`,
    },
    { record: q.accuracyUpper, expr: wilson(q.accuracy, sumBy(MV, q.confusion), 1) },
    { record: q.accuracyLower, expr: wilson(q.accuracy, sumBy(MV, q.confusion), -1) },
    { record: q.precision, expr: `(\n${tp}\nor ${predicted} * 0\n)\n/ (${predicted} > 0)` },
    { record: q.recall, expr: `(\n${tp}\nor ${actual} * 0\n)\n/ (${actual} > 0)` },
    {
      // F1 of a class is 2·TP / (predicted + true); the macro average is over classes seen either way.
      record: q.macroF1,
      expr: [
        `avg by (${mv}) (`,
        `  2 * (${tp} or (${predicted} or ${actual}) * 0)`,
        `  / (((${predicted} or ${actual} * 0) + (${actual} or ${predicted} * 0)) > 0)`,
        `)`,
      ].join("\n"),
    },
    { record: q.mae, expr: `${e.absolute}\n/\n(${errors})` },
    { record: q.maeUpper, expr: maeBound(q.mae, w, 1) },
    { record: q.maeLower, expr: maeBound(q.mae, w, -1) },
    { record: q.rmse, expr: `sqrt(\n${e.squared}\n/\n(${errors})\n)` },
    {
      record: q.estimated,
      expr: `${sumBy(MV, `histogram_sum(increase(${PROM.confidence}[${w}]))`)}\n/\n(${confidenceCount} > 0)`,
    },
    { record: q.estimatedUpper, expr: wilson(q.estimated, confidenceCount, 1) },
    { record: q.estimatedLower, expr: wilson(q.estimated, confidenceCount, -1) },
    { record: q.coverage, expr: `${q.labels}\n/ on (${mv})\n(${predictionCount(w)} > 0)` },
  ];
}

export function qualityGroups(scale: Timescale): RuleGroup[] {
  const d = (seconds: number) => scale.d(seconds);
  const q = qualitySeries(d(QUALITY.alertWindow));
  if (!(QUALITY.windows as readonly number[]).includes(QUALITY.trendWindow)) {
    throw new Error("QUALITY.trendWindow must be one of QUALITY.windows: only those are recorded");
  }
  const trend = qualitySeries(d(QUALITY.trendWindow));
  const metric = (name: string) => `${promLabel(ATTR.qualityMetric)}="${name}"`;
  const baseline = (name: string) => `max by (${mv}) (${PROM.qualityBaseline}{${metric(name)}})`;
  const telemetry = { [DEPENDS_ON]: DEPENDS.apiTelemetry };
  const versionLabels = "{{ $labels.model_name }} version {{ $labels.model_version }} on {{ $labels.job }}";
  /** A series' value for the alert's model version, queried when the notification is rendered. */
  const show = (series: string, format = " | humanizePercentage", matchers = "", offset = "") =>
    `{{ with printf "max(${series}{${matchers}${M}=%q, ${V}=%q}${offset})" $labels.model_name $labels.model_version | query }}{{ . | first | value${format} }}{{ end }}`;
  /** The card's held-out figure `name` for the alert's model version. */
  const card = (name: string, format: string) =>
    show(PROM.qualityBaseline, format, `${metric(name).replace(/"/g, '\\"')}, `);
  const window = d(QUALITY.alertWindow);
  const before = ` offset ${window}`;
  const stopped = d(QUALITY.labelsStoppedWindow);
  const delays = (w: string) => sumBy(MV, `histogram_count(increase(${PROM.feedbackDelay}[${w}]))`);
  return [
    ...QUALITY.windows.map((seconds) => ({
      name: `inferwatch-quality-records-${d(seconds)}`,
      rules: recordsFor(d(seconds)),
    })),
    {
      name: "inferwatch-quality-alerts",
      rules: [
        alertRule({
          alert: "ModelAccuracyBelowBaseline",
          expr: `${q.accuracyUpper}\n< on (${mv})\n(${baseline("accuracy")} - ${num(QUALITY.accuracyMargin)})`,
          for: d(QUALITY.accuracyFor),
          severity: "critical",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} is right on at most {{ $value | humanizePercentage }} of labelled predictions",
          description:
            `Over the last ${window}, model ${versionLabels} was right on ${show(q.accuracy)} of the ` +
            `predictions labelled (${show(q.labels, "")} labels); ` +
            `with 95% confidence its accuracy is at most {{ $value | humanizePercentage }}, more than ` +
            `${num(QUALITY.accuracyMargin * 100)} points below the held-out accuracy on its card ` +
            `(${card("accuracy", " | humanizePercentage")}).`,
          dashboard: "quality",
        }),
        /**
         * A regressor's realized error. The guard is the one-sided Student-t lower bound of the MAE
         * (maeBound): a few labels with large errors leave it wide and low, so it takes enough labels, or
         * errors steady enough, to show the loss is no chance.
         */
        alertRule({
          alert: "ModelErrorAboveBaseline",
          expr: `${q.maeLower}\n> on (${mv})\n(${baseline("mae")} * ${num(1 + QUALITY.maeMargin)})`,
          for: d(QUALITY.maeFor),
          severity: "critical",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} is off by at least {{ $value | humanize }} on average",
          description:
            `Over the last ${window}, the labelled predictions of model ${versionLabels} were off by ` +
            `${show(q.mae, " | humanize")} on average (${show(q.labels, "")} labels); with 95% confidence ` +
            `its mean absolute error is at least {{ $value | humanize }}, more than ` +
            `${num(QUALITY.maeMargin * 100)}% above the MAE on its card (${card("mae", " | humanize")}).`,
          dashboard: "quality",
        }),
        /**
         * An early warning from the model's confidence alone: its estimate over the alert window fell from its
         * own level over the trend window before (both with Wilson bounds), while labels are too few for
         * realized accuracy to say. A model steadily below its card is not falling: the baseline alerts say so
         * once labels come.
         */
        alertRule({
          alert: "EstimatedAccuracyFalling",
          expr: [
            `${q.estimatedUpper}`,
            `< on (${mv})`,
            `(${trend.estimatedLower}${before} - ${num(QUALITY.estimatedFall)})`,
            `unless on (${mv})`,
            `${q.coverage} >= ${num(QUALITY.estimatedMaxCoverage)}`,
          ].join("\n"),
          for: d(QUALITY.estimatedFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }}'s confidence fell to at most {{ $value | humanizePercentage }}, with too few labels to check it",
          description:
            `The mean confidence of model ${versionLabels} over the last ${window}, the accuracy a ` +
            `calibrated model expects of itself, is ${show(q.estimated)}, down from ` +
            `${show(trend.estimated, " | humanizePercentage", "", before)} over the preceding ` +
            `${d(QUALITY.trendWindow)}. With 95% confidence it fell by more than ` +
            `${num(QUALITY.estimatedFall * 100)} points, and labels came for fewer than ` +
            `${num(QUALITY.estimatedMaxCoverage * 100)}% of its predictions in that window, too few to say ` +
            `whether it is also wrong.`,
          dashboard: "quality",
        }),
        alertRule({
          alert: "AccuracyEstimateGap",
          expr: [
            `(${q.estimated} - on (${mv}) ${q.accuracyUpper} > ${num(QUALITY.estimateGap)})`,
            `or`,
            `(${q.accuracyLower} - on (${mv}) ${q.estimated} > ${num(QUALITY.estimateGap)})`,
          ].join("\n"),
          for: d(QUALITY.gapFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }}'s confidence no longer predicts its accuracy",
          description:
            `Over the last ${window}, model ${versionLabels} expected to be right on ${show(q.estimated)} ` +
            `of its predictions (mean confidence) and was right on ${show(q.accuracy)} of those labelled: ` +
            `a gap of more than ${num(QUALITY.estimateGap * 100)} points beyond the 95% bound of the labels. ` +
            `What its inputs mean has changed (concept drift): retrain, or recalibrate.`,
          dashboard: "quality",
        }),
        alertRule({
          alert: "FeedbackStopped",
          expr: [
            `(${delays(d(QUALITY.labelsHistory))} > 0)`,
            `unless on (${mv})`,
            `(${delays(stopped)} > 0)`,
            `and on (${mv})`,
            `(${predictionCount(stopped)} > 0)`,
          ].join("\n"),
          for: d(QUALITY.labelsStoppedFor),
          severity: "warning",
          labels: telemetry,
          summary: "Labels for model {{ $labels.model_name }} version {{ $labels.model_version }} stopped",
          description:
            `Model ${versionLabels} received labels over the last ${d(QUALITY.labelsHistory)} but none ` +
            `over the last ${stopped}, while it kept predicting: its realized accuracy is going stale.`,
          dashboard: "quality",
        }),
      ],
    },
  ];
}
