import type { Dashboard, ValueMapping } from "@grafana/grafana-foundation-sdk/dashboard";
import { MappingType } from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DASHBOARD_UIDS } from "../../../contract/dashboard-uids.js";
import { SPAN_METRICS } from "../../../contract/external-metrics.js";
import { LOW_CONFIDENCE } from "../../../contract/histogram-buckets.js";
import { ATTR, MODEL_STATES } from "../../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../../contract/prometheus-names.js";
import { quantile, sel } from "../../../contract/promql.js";
import { buildDashboard } from "../dashboard.js";
import { EXEMPLAR_RANGE, EXEMPLAR_RANGE_TEXT, heatmap, stateTimeline, table, timeseries } from "../panels.js";
import {
  recordedGauge,
  recordedPerMinute,
  recordedQuantile,
  recordedRate,
  recordedSel,
} from "../recorded.js";
import { datasourceVariable, modelVariables, SCOPES, serviceVariables } from "../variables.js";

/**
 * Model monitoring, per model and version: what the model predicts against what it was trained on, how sure
 * it is, whether its inputs drift or break, how long it takes, and what state each version is in.
 */

const S = SCOPES.service;
const MODEL = promLabel(ATTR.model);
const VERSION = promLabel(ATTR.version);
const CLASS = promLabel(ATTR.predictedClass);
const VALUE_BIN = promLabel(ATTR.predictionBin);
const FEATURE = promLabel(ATTR.feature);
const PHASE = promLabel(ATTR.phase);
const OUTCOME = promLabel(ATTR.outcome);
const REASON = promLabel(ATTR.reason);
const STATE = promLabel(ATTR.state);
const LOAD_OUTCOME = promLabel(ATTR.loadOutcome);
const MV = [MODEL, VERSION] as const;

/** Matchers of the chosen models and versions. */
const CHOSEN = [`${MODEL}=~"$model"`, `${VERSION}=~"$version"`];
/** `metric{job, instance, model, version, ...}`. */
const m = (metric: string, ...matchers: string[]) => sel(metric, S, ...CHOSEN, ...matchers);
const VERSION_LEGEND = `{{${MODEL}}} v{{${VERSION}}}`;

/** State timeline codes: 1 + the state's index in the catalogue's MODEL_STATES. */
const STATE_COLOURS: Record<(typeof MODEL_STATES)[number], string> = {
  loading: "blue",
  ready: "green",
  unloaded: "text",
  failed: "red",
};

const stateMappings: ValueMapping[] = [
  {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      MODEL_STATES.map((state, i) => [String(i + 1), { text: state, color: STATE_COLOURS[state], index: i }]),
    ),
  },
];

/** One series per version whose value is its state's code: the one-hot state gauge folded into one number. */
const stateCode = `max by (${MV.join(", ")}) (\n${MODEL_STATES.map(
  (state, i) => `  ${recordedSel("modelState", S, ...CHOSEN, `${STATE}="${state}"`)} * ${i + 1}`,
).join("\n  or\n")}\n)`;

export function modelMonitoring(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.model,
    title: "inferwatch / Model monitoring",
    description:
      "Per model and version: predictions against the training profile (classes and confidence for a classifier, predicted values for a regressor), input drift and data quality, inference latency, batch sizes and model lifecycle.",
    tags: ["model"],
    variables: [datasourceVariable(), ...serviceVariables(), ...modelVariables()],
    rows: [
      {
        title: "Predictions (classifiers)",
        panels: [
          timeseries({
            title: "Predicted class shares against training",
            description:
              "Share of each predicted class among the version's predictions (solid), and the class's share in the training data from the model profile (dashed series named 'training'). A class drifting away from its training share means the inputs or the world changed.",
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            dashed: "^training .*",
            queries: [
              {
                expr: `${recordedRate("predictions", S, [...MV, CLASS], ...CHOSEN)}\n/ ignoring (${CLASS}) group_left\n${recordedRate("predictions", S, MV, ...CHOSEN)}`,
                legend: `${VERSION_LEGEND} {{${CLASS}}}`,
              },
              {
                expr: recordedGauge("classBaseline", "max", S, [...MV, CLASS], ...CHOSEN),
                legend: `training ${VERSION_LEGEND} {{${CLASS}}}`,
              },
            ],
          }),
          timeseries({
            title: "Predictions by class",
            description: "Predictions per second (one per row) by predicted class, stacked.",
            unit: units.OpsPerSecond,
            stacked: true,
            queries: [
              {
                expr: recordedRate("predictions", S, [...MV, CLASS], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${CLASS}}}`,
              },
            ],
          }),
          heatmap({
            title: "Confidence distribution",
            description:
              "Probability of the predicted class, one observation per row, as a heatmap over time (rows per minute in each bucket): a model that grows unsure moves its mass down.",
            unit: units.PercentUnit,
            queries: [
              {
                expr: recordedPerMinute("confidenceBuckets", S, ["le"], ...CHOSEN),
                legend: "{{le}}",
                heatmap: true,
              },
            ],
          }),
          timeseries({
            title: `Low-confidence share (≤ ${LOW_CONFIDENCE}) against training`,
            description: `Share of rows predicted with confidence at or below ${LOW_CONFIDENCE}, live and (series named 'training') on the training data from the model profile.`,
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            dashed: "^training .*",
            queries: [
              {
                expr: `histogram_fraction(0, ${LOW_CONFIDENCE}, ${recordedPerMinute("confidence", S, MV, ...CHOSEN)})`,
                legend: VERSION_LEGEND,
              },
              {
                expr: recordedGauge("lowConfidenceBaseline", "max", S, MV, ...CHOSEN),
                legend: `training ${VERSION_LEGEND}`,
              },
            ],
          }),
          timeseries({
            title: "Prediction margin",
            description:
              "Probability of the predicted class minus the runner-up's: median and 10th percentile. A shrinking margin means the model hesitates between classes.",
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            queries: [
              { expr: recordedQuantile("margin", 0.5, S, MV, ...CHOSEN), legend: `p50 ${VERSION_LEGEND}` },
              { expr: recordedQuantile("margin", 0.1, S, MV, ...CHOSEN), legend: `p10 ${VERSION_LEGEND}` },
            ],
          }),
        ],
      },
      {
        title: "Predicted values (regressors)",
        panels: [
          timeseries({
            title: "Predicted value percentiles",
            description:
              "10th, 50th and 90th percentile of a regressor's predicted values over 5 minutes, from buckets at its training predictions' decile edges (so between two edges the value is interpolated). Classifiers have no predicted value.",
            unit: units.Short,
            queries: [0.1, 0.5, 0.9].map((q) => ({
              expr: recordedQuantile("predictedValue", q, S, MV, ...CHOSEN),
              legend: `p${q * 100} ${VERSION_LEGEND}`,
            })),
          }),
          timeseries({
            title: "Predicted values per training decile against training",
            description:
              "Share of a regressor's predicted values in each decile bin of its predictions on its training rows (solid; about 10 % each when it predicts as in training), and the training share of each bin (series named 'training'). Mass moving to the outer bins means higher or lower predictions than in training.",
            unit: units.PercentUnit,
            min: 0,
            dashed: "^training .*",
            queries: [
              {
                expr: `${recordedRate("predictionBins", S, [...MV, VALUE_BIN], ...CHOSEN)}\n/ ignoring (${VALUE_BIN}) group_left\n${recordedRate("predictionBins", S, MV, ...CHOSEN)}`,
                legend: `${VERSION_LEGEND} bin {{${VALUE_BIN}}}`,
              },
              {
                expr: recordedGauge("predictionBinBaseline", "max", S, [...MV, VALUE_BIN], ...CHOSEN),
                legend: `training ${VERSION_LEGEND} bin {{${VALUE_BIN}}}`,
              },
            ],
          }),
          timeseries({
            title: "Prediction drift (PSI)",
            description:
              "Population stability index of a regressor's predicted values over the API's sliding window against its predictions on its training rows, with the threshold (DRIFT_PSI_THRESHOLD, series named 'threshold') above which PredictionDrift fires. Absent until the window holds DRIFT_MIN_SAMPLES values.",
            unit: units.NoUnit,
            min: 0,
            dashed: "^threshold .*",
            queries: [
              { expr: recordedGauge("predictionPsi", "max", S, MV, ...CHOSEN), legend: VERSION_LEGEND },
              {
                expr: `${recordedGauge("psiThreshold", "max", S, MV, ...CHOSEN)}\nand on (${MV.join(", ")})\n${recordedGauge("predictionPsi", "max", S, MV, ...CHOSEN)}`,
                legend: `threshold ${VERSION_LEGEND}`,
              },
            ],
          }),
        ],
      },
      {
        title: "Drift and data quality",
        panels: [
          timeseries({
            title: "Drift (PSI) per feature",
            description:
              "Population stability index of each feature over the API's sliding window against the training distribution, with the threshold above which a feature counts as drifted (DRIFT_PSI_THRESHOLD, series named 'threshold'). Absent until a feature's window holds DRIFT_MIN_SAMPLES values.",
            unit: units.NoUnit,
            min: 0,
            dashed: "^threshold .*",
            queries: [
              {
                expr: recordedGauge("psi", "max", S, [...MV, FEATURE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${FEATURE}}}`,
              },
              {
                expr: recordedGauge("psiThreshold", "max", S, MV, ...CHOSEN),
                legend: `threshold ${VERSION_LEGEND}`,
              },
            ],
          }),
          timeseries({
            title: "Drift window fill",
            description:
              "Values in each feature's PSI window: PSI is reported once this reaches DRIFT_MIN_SAMPLES, and covers at most DRIFT_WINDOW_SIZE recent values.",
            unit: units.Short,
            min: 0,
            queries: [
              {
                expr: recordedGauge("windowSamples", "max", S, [...MV, FEATURE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${FEATURE}}}`,
              },
            ],
          }),
          timeseries({
            title: "Missing feature values",
            description: "Feature values sent as null, per second, by feature; the model imputes them.",
            unit: units.CountsPerSecond,
            queries: [
              {
                expr: recordedRate("missing", S, [...MV, FEATURE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${FEATURE}}}`,
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Out-of-range values",
            description:
              "Numeric feature values outside the range seen in training, per second, by feature: served, but suspect.",
            unit: units.CountsPerSecond,
            queries: [
              {
                expr: recordedRate("outOfRange", S, [...MV, FEATURE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${FEATURE}}}`,
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Unseen categories",
            description:
              "Categorical feature values the model was not trained on, per second, by feature; served as all-zero one-hot.",
            unit: units.CountsPerSecond,
            queries: [
              {
                expr: recordedRate("unseen", S, [...MV, FEATURE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${FEATURE}}}`,
              },
            ],
            width: 8,
          }),
          timeseries({
            title: "Rejected requests by reason",
            description:
              "Requests the version's input schema rejected (400), per second, by validation reason.",
            unit: units.RequestsPerSecond,
            stacked: true,
            queries: [
              {
                expr: recordedRate("validationErrors", S, [...MV, REASON], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${REASON}}}`,
              },
            ],
            width: 24,
          }),
        ],
      },
      {
        title: "Inference",
        panels: [
          timeseries({
            title: "Inference latency",
            description:
              "p50, p95 and p99 time to answer an inference request, by version: the highest 5-minute percentile within each point's interval, from recording rules. Traces of single inferences are on the panel with exemplars below.",
            unit: units.Seconds,
            min: 0,
            queries: [
              ...[0.5, 0.95, 0.99].map((q) => ({
                expr: recordedQuantile("inferenceLatency", q, S, MV, ...CHOSEN),
                legend: `p${q * 100} ${VERSION_LEGEND}`,
              })),
            ],
          }),
          timeseries({
            title: `Inference span p99, last ${EXEMPLAR_RANGE_TEXT}, with traces`,
            description: `99th percentile time of the trace's inference span over the last ${EXEMPLAR_RANGE_TEXT} whatever the dashboard's range (exemplars are for what just happened; Prometheus keeps them for hours at most), from the raw span metrics, so from the kept traces only under the production telemetry profile. The dots are exemplars: click one to open its trace in Jaeger.`,
            unit: units.Seconds,
            min: 0,
            width: 24,
            timeFrom: EXEMPLAR_RANGE,
            queries: [
              {
                expr: quantile(0.99, SPAN_METRICS.duration, S, [], `span_name="inference"`),
                legend: "p99 inference span",
                exemplar: true,
              },
            ],
          }),
          timeseries({
            title: "Latency by phase (p95)",
            description:
              "95th percentile time of each phase of a successful inference: validation, preprocess, run (ONNX Runtime) and postprocess.",
            unit: units.Seconds,
            min: 0,
            queries: [
              {
                expr: recordedQuantile("phaseLatency", 0.95, S, [...MV, PHASE], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${PHASE}}}`,
              },
            ],
          }),
          timeseries({
            title: "Inference requests by outcome",
            description:
              "Inference requests per second by outcome: success, invalid_input (400), unavailable (version not loaded, 503) and error (500).",
            unit: units.RequestsPerSecond,
            stacked: true,
            queries: [
              {
                expr: recordedRate("inferenceRequests", S, [...MV, OUTCOME], ...CHOSEN),
                legend: `${VERSION_LEGEND} {{${OUTCOME}}}`,
              },
            ],
          }),
          timeseries({
            title: "Batch size",
            description: "Rows per successful inference request: median and 95th percentile.",
            unit: units.Short,
            min: 0,
            queries: [
              { expr: recordedQuantile("rows", 0.5, S, MV, ...CHOSEN), legend: `p50 ${VERSION_LEGEND}` },
              { expr: recordedQuantile("rows", 0.95, S, MV, ...CHOSEN), legend: `p95 ${VERSION_LEGEND}` },
            ],
          }),
        ],
      },
      {
        title: "Lifecycle",
        panels: [
          stateTimeline({
            title: "Model state",
            description: "The state each version is in over time: loading, ready, unloaded or failed.",
            unit: units.NoUnit,
            mappings: stateMappings,
            queries: [{ expr: stateCode, legend: VERSION_LEGEND }],
          }),
          timeseries({
            title: "Load and unload events",
            description:
              "Model version loads by outcome (success or failure) and unloads through the repository API, per minute (averaged over each point's interval).",
            unit: units.Short,
            min: 0,
            queries: [
              {
                expr: recordedPerMinute("loads", S, [...MV, LOAD_OUTCOME], ...CHOSEN),
                legend: `load {{${LOAD_OUTCOME}}} ${VERSION_LEGEND}`,
              },
              { expr: recordedPerMinute("unloads", S, MV, ...CHOSEN), legend: `unload ${VERSION_LEGEND}` },
            ],
          }),
          table({
            title: "Versions served",
            description:
              "Every loaded version with the checksum of the bytes served, when it was trained and its task (inferwatch_model_info).",
            unit: units.NoUnit,
            width: 24,
            height: 6,
            queries: [
              {
                expr: `max by (${MV.join(", ")}, ${promLabel(ATTR.checksum)}, ${promLabel(ATTR.trainedAt)}, ${promLabel(ATTR.task)}) (${m(PROM.modelInfo)})`,
                instant: true,
                table: true,
              },
            ],
          }),
        ],
      },
    ],
  });
}
