import { MODEL } from "../../contract/alerting-config.js";
import type { Timescale } from "../../contract/duration.js";
import { LOW_CONFIDENCE } from "../../contract/histogram-buckets.js";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { alertRule, DEPENDS, DEPENDS_ON, list, num, type RuleGroup } from "./rule-model.js";

/**
 * Alerts about the models themselves: whether they are loaded, whether they answer, and whether what they
 * see and predict still looks like their training data (each compared with the baseline the API exports
 * from the model's profile).
 */

const M = promLabel(ATTR.model);
const V = promLabel(ATTR.version);
const OUTCOME = promLabel(ATTR.outcome);
const STATE = promLabel(ATTR.state);
const CLASS = promLabel(ATTR.predictedClass);
const FEATURE = promLabel(ATTR.feature);
const BY_MODEL = ["job", M] as const;
const BY_VERSION = ["job", M, V] as const;
const sumBy = (by: readonly string[], inner: string) => `sum by (${list(by)}) (${inner})`;
const maxBy = (by: readonly string[], inner: string) => `max by (${list(by)}) (${inner})`;

const RECORD_PREFIX = list(BY_VERSION).replace(/, /g, "_");
/**
 * Live share of each predicted class next to its training share, as total variation distance, recorded only
 * while the window holds enough predictions; and the distance a model predicting exactly its training shares
 * would show by chance over that many. Both come from one evaluation, with the prediction count that guards
 * them: a guard read at another instant than the distance once let the distance of a single prediction
 * pass on the count of the next push.
 */
export const CLASS_SHIFT_RECORD = `${RECORD_PREFIX}:inferwatch_prediction_class_shift:tvd`;
export const CLASS_CHANCE_RECORD = `${RECORD_PREFIX}:inferwatch_prediction_class_shift:tvd_chance`;

const telemetry = { [DEPENDS_ON]: DEPENDS.apiTelemetry };

const READY = `${PROM.modelState}{${STATE}="ready"}`;

/** Series, one per `by` group, present while no version of the model is ready in that group. */
export function noVersionReady(by: readonly string[]): string {
  return `${sumBy(by, READY)} == 0`;
}

export function modelGroups(scale: Timescale): RuleGroup[] {
  const d = (seconds: number) => scale.d(seconds);
  const s = (seconds: number) => scale.seconds(seconds);
  const requests = (matchers: string, w: string, by: readonly string[] = BY_VERSION) =>
    sumBy(by, `histogram_count(rate(${PROM.inferenceDuration}${matchers}[${w}]))`);
  const predictions = (w: string) => sumBy(BY_VERSION, `histogram_count(rate(${PROM.confidence}[${w}]))`);
  const classRate = (by: readonly string[]) =>
    sumBy(by, `rate(${PROM.predictions}[${d(MODEL.classWindow)}])`);
  const versionLabels = "{{ $labels.model_name }} version {{ $labels.model_version }} on {{ $labels.job }}";

  const window = d(MODEL.classWindow);
  const predicted = `${classRate(BY_VERSION)} * ${s(MODEL.classWindow)}`;
  const enough = `and on (${list(BY_VERSION)}) ${predicted} >= ${MODEL.classMinPredictions}`;
  const baselineShare = maxBy([...BY_VERSION, CLASS], PROM.classBaseline);
  const classShift = {
    record: `${CLASS_SHIFT_RECORD}${window}`,
    expr: [
      `0.5 * sum by (${list(BY_VERSION)}) (`,
      `  abs(`,
      `    ${classRate([...BY_VERSION, CLASS])}`,
      `    / on (${list(BY_VERSION)}) group_left`,
      `    ${classRate(BY_VERSION)}`,
      `    - on (${list([...BY_VERSION, CLASS])})`,
      `    ${baselineShare}`,
      `  )`,
      `)`,
      enough,
    ].join("\n"),
  };
  // Each observed share's error against its training share q is about normal with deviation
  // sqrt(q(1 - q)/n), whose absolute value averages sqrt(2/pi) of that: half their sum is the distance
  // chance gives. It grows with the number of classes, to above the threshold itself for a hundred even
  // classes at the minimum count, which a bare threshold would take for a shift.
  const classChance = {
    record: `${CLASS_CHANCE_RECORD}${window}`,
    expr: [
      `0.5 * sum by (${list(BY_VERSION)}) (sqrt(2 * ${baselineShare} * (1 - ${baselineShare}) / pi()))`,
      `/ on (${list(BY_VERSION)}) sqrt(${predicted})`,
      enough,
    ].join("\n"),
  };

  /** A PSI, per version or finer, where it exceeds the version's DRIFT_PSI_THRESHOLD. */
  const overThreshold = (psi: string) =>
    [psi, `> on (${list(BY_VERSION)}) group_left`, maxBy(BY_VERSION, PROM.psiThreshold)].join("\n");
  const errorWindow = d(MODEL.errorWindow);
  const confidenceWindow = d(MODEL.confidenceWindow);
  // Exact: LOW_CONFIDENCE is a bucket bound, and a custom-bucket histogram's first bucket starts at 0.
  const lowShare = `histogram_fraction(0, ${LOW_CONFIDENCE}, ${sumBy(BY_VERSION, `rate(${PROM.confidence}[${confidenceWindow}])`)})`;
  const baseline = maxBy(BY_VERSION, PROM.lowConfidenceBaseline);

  return [
    { name: "inferwatch-model-records", rules: [classShift, classChance] },
    {
      name: "inferwatch-model-alerts",
      rules: [
        alertRule({
          alert: "ModelNotLoaded",
          expr: noVersionReady(["job", "instance", M]),
          for: d(MODEL.notLoadedFor),
          severity: "critical",
          labels: telemetry,
          summary: "Model {{ $labels.model_name }} has no version loaded",
          description:
            "No version of model {{ $labels.model_name }} is ready on {{ $labels.instance }} " +
            "({{ $labels.job }}): every request for it is answered 503 until one is loaded.",
          dashboard: "model",
        }),
        alertRule({
          alert: "ModelVersionLoadFailed",
          expr: `${PROM.modelState}{${STATE}="failed"} == 1`,
          for: d(MODEL.loadFailedFor),
          severity: "warning",
          labels: telemetry,
          summary: `Model ${"{{ $labels.model_name }}"} version ${"{{ $labels.model_version }}"} failed to load`,
          description: `Model ${versionLabels} (instance {{ $labels.instance }}) is in state failed: its files could not be loaded, and requests for this version get 503.`,
          dashboard: "model",
        }),
        alertRule({
          alert: "InferenceErrorRatioHigh",
          expr: [
            `(`,
            `  ${requests(`{${OUTCOME}=~"unavailable|error"}`, errorWindow)}`,
            `  /`,
            `  ${requests("", errorWindow)}`,
            `) > ${num(MODEL.errorRatio)}`,
            `and`,
            `${requests("", errorWindow)} * ${s(MODEL.errorWindow)} >= ${MODEL.errorMinRequests}`,
          ].join("\n"),
          for: d(MODEL.errorFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} fails {{ $value | humanizePercentage }} of requests",
          description:
            `{{ $value | humanizePercentage }} of the inference requests to model ${versionLabels} over the last ` +
            `${errorWindow} were answered unavailable (503) or error (500); the warning threshold is ` +
            `${num(MODEL.errorRatio * 100)}%.`,
          dashboard: "model",
        }),
        alertRule({
          alert: "PredictionConfidenceCollapse",
          expr: [
            `(\n  ${lowShare.replace(/\n/g, "\n  ")}\n)`,
            `> on (${list(BY_VERSION)})`,
            `(`,
            `  ${baseline}`,
            `  + clamp_min(${num(MODEL.collapseFactor - 1)} * ${baseline}, ${num(MODEL.collapseMargin)})`,
            `)`,
            `and`,
            `${predictions(confidenceWindow)} * ${s(MODEL.confidenceWindow)} >= ${MODEL.confidenceMinPredictions}`,
          ].join("\n"),
          for: d(MODEL.confidenceFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} is unsure of {{ $value | humanizePercentage }} of its predictions",
          description:
            `{{ $value | humanizePercentage }} of the predictions of model ${versionLabels} over the last ` +
            `${confidenceWindow} had a confidence at or below ${LOW_CONFIDENCE}; on its training data it was ` +
            `{{ with printf "max(${PROM.lowConfidenceBaseline}{${M}=%q, ${V}=%q})" $labels.model_name $labels.model_version | query }}{{ . | first | value | humanizePercentage }}{{ end }}. ` +
            "The inputs may have moved away from what the model knows.",
          dashboard: "model",
        }),
        alertRule({
          alert: "FeatureDrift",
          expr: overThreshold(maxBy([...BY_VERSION, FEATURE], PROM.psi)),
          for: d(MODEL.driftFor),
          severity: "warning",
          labels: telemetry,
          summary:
            'Feature {{ $labels.feature_name }} of model {{ $labels.model_name }} has drifted (PSI {{ $value | printf "%.2f" }})',
          description:
            `The population stability index of feature {{ $labels.feature_name }} for model ${versionLabels} is ` +
            `{{ $value | printf "%.3f" }}, over the threshold of ` +
            `{{ with printf "max(${PROM.psiThreshold}{${M}=%q, ${V}=%q})" $labels.model_name $labels.model_version | query }}{{ . | first | value }}{{ end }} ` +
            "(the API reports PSI only once a feature's window holds DRIFT_MIN_SAMPLES values).",
          dashboard: "model",
        }),
        alertRule({
          alert: "PredictionDrift",
          expr: overThreshold(maxBy(BY_VERSION, PROM.predictionPsi)),
          for: d(MODEL.driftFor),
          severity: "warning",
          labels: telemetry,
          summary:
            'Model {{ $labels.model_name }} version {{ $labels.model_version }} predicts values unlike its training predictions (PSI {{ $value | printf "%.2f" }})',
          description:
            `The population stability index of the values regression model ${versionLabels} predicts, against ` +
            `its predictions on its training rows, is {{ $value | printf "%.3f" }}, over the threshold of ` +
            `{{ with printf "max(${PROM.psiThreshold}{${M}=%q, ${V}=%q})" $labels.model_name $labels.model_version | query }}{{ . | first | value }}{{ end }}. ` +
            "Its inputs or the world they describe may have moved.",
          dashboard: "model",
        }),
        alertRule({
          alert: "PredictionClassShift",
          expr: [
            classShift.record,
            `> on (${list(BY_VERSION)})`,
            `${classChance.record} + ${num(MODEL.classShift)}`,
          ].join("\n"),
          for: d(MODEL.classFor),
          severity: "warning",
          labels: telemetry,
          summary:
            "Model {{ $labels.model_name }} version {{ $labels.model_version }} predicts classes in shares unlike its training data",
          description:
            `The predicted classes of model ${versionLabels} over the last ${d(MODEL.classWindow)} differ from ` +
            `the training shares by a total variation distance of {{ $value | printf "%.2f" }} ` +
            `(0: the same, 1: disjoint), more than ${num(MODEL.classShift)} above the ` +
            `{{ with printf "max(${classChance.record}{job=%q, ${M}=%q, ${V}=%q})" $labels.job $labels.model_name $labels.model_version | query }}{{ . | first | value | printf "%.2f" }}{{ end }} ` +
            "that chance gives over as many predictions.",
          dashboard: "model",
        }),
        alertRule({
          alert: "NoTraffic",
          expr: [
            `${sumBy(BY_MODEL, READY)} > 0`,
            `unless on (${list(BY_MODEL)})`,
            `${requests("", d(MODEL.noTrafficWindow), BY_MODEL)} > 0`,
            // Traffic that stopped, not traffic that never came: a model that has served no request since
            // the API started (a fresh stack, a model loaded ahead of its clients) is not an incident. Its
            // requests counted a window ago, not now: a counter pushed for the first time has one sample and
            // no rate yet, which would make traffic that just started look like traffic that stopped.
            `and on (${list(BY_MODEL)})`,
            `${sumBy(BY_MODEL, `histogram_count(${PROM.inferenceDuration} offset ${d(MODEL.noTrafficWindow)})`)} > 0`,
          ].join("\n"),
          for: d(MODEL.noTrafficFor),
          severity: "info",
          labels: telemetry,
          summary: "Model {{ $labels.model_name }} is loaded but gets no requests",
          description: `Model {{ $labels.model_name }} on {{ $labels.job }} is ready but has received no inference request for ${d(MODEL.noTrafficWindow)}, after earlier ones: clients may be failing before they reach it.`,
          dashboard: "model",
        }),
      ],
    },
  ];
}
