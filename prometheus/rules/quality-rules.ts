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
  const errors = `${sumBy(MV, `histogram_count(increase(${PROM.feedbackAbsoluteError}[${w}]))`)} > 0`;
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
    {
      record: q.mae,
      expr: `${sumBy(MV, `histogram_sum(increase(${PROM.feedbackAbsoluteError}[${w}]))`)}\n/\n(${errors})`,
    },
    {
      record: q.rmse,
      expr: `sqrt(\n${sumBy(MV, `increase(${PROM.feedbackSquaredError}[${w}])`)}\n/\n(${errors})\n)`,
    },
    {
      record: q.estimated,
      expr: `${sumBy(MV, `histogram_sum(increase(${PROM.confidence}[${w}]))`)}\n/\n(${confidenceCount} > 0)`,
    },
    { record: q.estimatedUpper, expr: wilson(q.estimated, confidenceCount, 1) },
    { record: q.coverage, expr: `${q.labels}\n/ on (${mv})\n(${predictionCount(w)} > 0)` },
  ];
}

export function qualityGroups(scale: Timescale): RuleGroup[] {
  const d = (seconds: number) => scale.d(seconds);
  const q = qualitySeries(d(QUALITY.alertWindow));
  const baseline = `max by (${mv}) (${PROM.qualityBaseline}{${promLabel(ATTR.qualityMetric)}="accuracy"})`;
  const telemetry = { [DEPENDS_ON]: DEPENDS.apiTelemetry };
  const versionLabels = "{{ $labels.model_name }} version {{ $labels.model_version }} on {{ $labels.job }}";
  /** A series' value for the alert's model version, queried when the notification is rendered. */
  const show = (series: string, format = " | humanizePercentage", matchers = "") =>
    `{{ with printf "max(${series}{${matchers}${M}=%q, ${V}=%q})" $labels.model_name $labels.model_version | query }}{{ . | first | value${format} }}{{ end }}`;
  const window = d(QUALITY.alertWindow);
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
          expr: `${q.accuracyUpper}\n< on (${mv})\n(${baseline} - ${num(QUALITY.accuracyMargin)})`,
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
            `(${show(PROM.qualityBaseline, " | humanizePercentage", `${promLabel(ATTR.qualityMetric)}=\\"accuracy\\", `)}).`,
          dashboard: "quality",
        }),
        alertRule({
          alert: "EstimatedAccuracyFalling",
          expr: [
            `${q.estimatedUpper}`,
            `< on (${mv})`,
            `(${baseline} - ${num(QUALITY.estimatedMargin)})`,
            `unless on (${mv})`,
            `${q.labels} > 0`,
          ].join("\n"),
          for: d(QUALITY.estimatedFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} expects to be right on at most {{ $value | humanizePercentage }} of predictions, and no labels say otherwise",
          description:
            `The mean confidence of model ${versionLabels} over the last ${window} is ${show(q.estimated)}: ` +
            `a calibrated model is right that often. With 95% confidence that is at most ` +
            `{{ $value | humanizePercentage }}, more than ${num(QUALITY.estimatedMargin * 100)} points below ` +
            `its card's held-out accuracy, and no label arrived in that window to confirm or refute it.`,
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
