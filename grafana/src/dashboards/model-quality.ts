import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { QUALITY } from "../../../contract/alerting-config.js";
import { DASHBOARD_UIDS } from "../../../contract/dashboard-uids.js";
import { promDuration } from "../../../contract/duration.js";
import { ATTR } from "../../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../../contract/prometheus-names.js";
import { rate, sel, sumBy } from "../../../contract/promql.js";
import { ACTUAL, CLASS, PREDICTED, qualitySeries } from "../../../contract/quality-series.js";
import { buildDashboard } from "../dashboard.js";
import { table, timeseries } from "../panels.js";
import { recordedCount } from "../recorded.js";
import { datasourceVariable, modelVariables, SCOPES, serviceVariables } from "../variables.js";

/**
 * Model quality, per model and version: how often the model is right according to the labels sent back
 * (realized), how often it expects to be (estimated, from its confidence), and what its card promised
 * (baseline); which classes it confuses; how many predictions get labels and how late; a regressor's errors.
 */

const S = SCOPES.service;
const MODEL = promLabel(ATTR.model);
const VERSION = promLabel(ATTR.version);
const REASON = promLabel(ATTR.feedbackReason);
const AUTH = promLabel(ATTR.authReason);
const METRIC = promLabel(ATTR.qualityMetric);
const MV = [MODEL, VERSION] as const;
const CHOSEN = [`${MODEL}=~"$model"`, `${VERSION}=~"$version"`];
const VERSION_LEGEND = `{{${MODEL}}} v{{${VERSION}}}`;
const [SHORT, LONG] = QUALITY.windows.map(promDuration) as [string, string];
const short = qualitySeries(SHORT);
const long = qualitySeries(LONG);

/** A recorded quality series of the chosen versions (recorded per job: the instance choice does not apply). */
const q = (series: string, by: readonly string[] = MV) =>
  `max by (${by.join(", ")}) (${series}{job=~"$${S.job}", ${CHOSEN.join(", ")}})`;
const raw = (metric: string, ...matchers: string[]) => sel(metric, S, ...CHOSEN, ...matchers);
const baseline = (metric: string) =>
  `max by (${MV.join(", ")}) (${raw(PROM.qualityBaseline, `${METRIC}="${metric}"`)})`;

export function modelQuality(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.quality,
    title: "inferwatch / Model quality",
    description:
      "Per model and version: realized accuracy from labels sent to the feedback route, estimated accuracy from the model's confidence, the card's held-out accuracy, the confusion matrix, per-class precision and recall, label coverage and delay, and a regressor's MAE and RMSE.",
    tags: ["model", "quality"],
    variables: [datasourceVariable(), ...serviceVariables(), ...modelVariables()],
    rows: [
      {
        title: "Accuracy (classifiers)",
        panels: [
          timeseries({
            title: `Realized, estimated and baseline accuracy (${SHORT})`,
            description: `Realized: the share of labelled predictions over the last ${SHORT} that were right, with its one-sided 95% Wilson bounds (dashed, 'bound'). Estimated: the mean confidence of the predictions, which a calibrated model's accuracy equals, known without labels. Baseline (dashed): the held-out accuracy on the model card. Realized far below the baseline fires ModelAccuracyBelowBaseline; estimated far from realized fires AccuracyEstimateGap; estimated falling far below its own ${LONG} level (next panel) while labels are scarce fires EstimatedAccuracyFalling.`,
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            width: 16,
            dashed: "^(baseline|bound) .*",
            queries: [
              { expr: q(short.accuracy), legend: `realized ${VERSION_LEGEND}` },
              { expr: q(short.estimated), legend: `estimated ${VERSION_LEGEND}` },
              { expr: baseline("accuracy"), legend: `baseline ${VERSION_LEGEND}` },
              { expr: q(short.accuracyLower), legend: `bound lower ${VERSION_LEGEND}` },
              { expr: q(short.accuracyUpper), legend: `bound upper ${VERSION_LEGEND}` },
            ],
          }),
          timeseries({
            title: `Accuracy and macro F1 over ${LONG}`,
            description: `Realized and estimated accuracy and macro F1 (the mean over classes of each class's F1) over the last ${LONG}: slower, steadier, for trends.`,
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            width: 8,
            queries: [
              { expr: q(long.accuracy), legend: `realized ${VERSION_LEGEND}` },
              { expr: q(long.estimated), legend: `estimated ${VERSION_LEGEND}` },
              { expr: q(long.macroF1), legend: `macro F1 ${VERSION_LEGEND}` },
            ],
          }),
        ],
      },
      {
        title: "Per class (classifiers)",
        panels: [
          table({
            title: "Confusion matrix (dashboard range)",
            description:
              "Labelled predictions over the dashboard's time range by predicted class and true class: the diagonal is right, the rest shows what the model takes for what.",
            unit: units.Short,
            width: 8,
            queries: [
              {
                expr: recordedCount("confusion", S, [...MV, PREDICTED, ACTUAL], ...CHOSEN),
                instant: true,
                table: true,
              },
            ],
          }),
          timeseries({
            title: `Precision by class (${SHORT})`,
            description: `Of the labelled predictions of a class over the last ${SHORT}, the share that were that class.`,
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            width: 8,
            queries: [{ expr: q(short.precision, [...MV, CLASS]), legend: `${VERSION_LEGEND} {{${CLASS}}}` }],
          }),
          timeseries({
            title: `Recall by class (${SHORT})`,
            description: `Of the labelled rows of a true class over the last ${SHORT}, the share the model predicted as that class.`,
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            width: 8,
            queries: [{ expr: q(short.recall, [...MV, CLASS]), legend: `${VERSION_LEGEND} {{${CLASS}}}` }],
          }),
        ],
      },
      {
        title: "Labels",
        panels: [
          timeseries({
            title: "Label coverage",
            description: `Labels received over predictions made, over the last ${SHORT} and ${LONG}. Labels arrive after their predictions, so a steady share is what to watch, not its exact value.`,
            unit: units.PercentUnit,
            min: 0,
            width: 6,
            queries: [
              { expr: q(short.coverage), legend: `${SHORT} ${VERSION_LEGEND}` },
              { expr: q(long.coverage), legend: `${LONG} ${VERSION_LEGEND}` },
            ],
          }),
          timeseries({
            title: "Label delay",
            description:
              "Median and 90th percentile of the seconds from a prediction to its label's arrival.",
            unit: units.Seconds,
            width: 6,
            queries: [0.5, 0.9].map((p) => ({
              expr: `histogram_quantile(${p}, ${sumBy(MV, rate(raw(PROM.feedbackDelay)))})`,
              legend: `p${p * 100} ${VERSION_LEGEND}`,
            })),
          }),
          timeseries({
            title: "Rejected labels by reason",
            description:
              "Feedback items not counted, per second, by reason: unknown_id (malformed, forged, or signed by another key), wrong_model, unknown_version, unknown_class, not_a_number, too_old, duplicate.",
            unit: units.OpsPerSecond,
            stacked: true,
            width: 6,
            queries: [
              {
                expr: sumBy([MODEL, REASON], rate(sel(PROM.feedbackRejected, S, `${MODEL}=~"$model"`))),
                legend: `{{${MODEL}}} {{${REASON}}}`,
              },
            ],
          }),
          timeseries({
            title: "Refused writes",
            description:
              "Feedback, load and unload requests refused per second: missing (no bearer token, 401) or wrong (403). A steady 'wrong' is someone guessing the control token.",
            unit: units.OpsPerSecond,
            stacked: true,
            width: 6,
            queries: [
              {
                expr: sumBy([AUTH], rate(sel(PROM.controlAuthFailures, S))),
                legend: `{{${AUTH}}}`,
              },
            ],
          }),
        ],
      },
      {
        title: "Error (regressors)",
        panels: [
          timeseries({
            title: "MAE and RMSE against the card",
            description: `Mean absolute error and root mean squared error of a regressor's labelled predictions over the last ${SHORT} and ${LONG}, and the card's figures (dashed). 'bound' (dashed): the ${SHORT} MAE's one-sided 95% Student-t bounds from the errors' spread; the lower one more than ${QUALITY.maeMargin * 100}% above the card's MAE fires ModelErrorAboveBaseline. RMSE far above MAE means a few large errors.`,
            unit: units.Short,
            min: 0,
            width: 24,
            dashed: "^(card|bound) .*",
            queries: [
              { expr: q(short.mae), legend: `MAE ${SHORT} ${VERSION_LEGEND}` },
              { expr: q(short.maeLower), legend: `bound lower MAE ${SHORT} ${VERSION_LEGEND}` },
              { expr: q(short.maeUpper), legend: `bound upper MAE ${SHORT} ${VERSION_LEGEND}` },
              { expr: q(short.rmse), legend: `RMSE ${SHORT} ${VERSION_LEGEND}` },
              { expr: q(long.mae), legend: `MAE ${LONG} ${VERSION_LEGEND}` },
              { expr: q(long.rmse), legend: `RMSE ${LONG} ${VERSION_LEGEND}` },
              { expr: baseline("mae"), legend: `card MAE ${VERSION_LEGEND}` },
              { expr: baseline("rmse"), legend: `card RMSE ${VERSION_LEGEND}` },
            ],
          }),
        ],
      },
    ],
  });
}
