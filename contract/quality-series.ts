import { ATTR } from "./metric-catalogue.js";
import { promLabel } from "./prometheus-names.js";

/**
 * The recorded model-quality series (prometheus/rules/quality-rules.ts records them, the quality dashboard
 * and the alerts read them), by window as Prometheus spells it ("1h", "1d"). Names follow kubernetes-mixin:
 * `<labels kept>:<metric>:<operation><window>`.
 */

export const MV = ["job", promLabel(ATTR.model), promLabel(ATTR.version)] as const;
export const PREDICTED = promLabel(ATTR.predictedClass);
export const ACTUAL = promLabel(ATTR.feedbackClass);
/** The label per-class precision and recall are kept by: a class whether predicted or true. */
export const CLASS = "class";

const level = (labels: readonly string[]) => labels.join("_");

export function qualitySeries(window: string) {
  const mv = level(MV);
  return {
    /** Labelled predictions by predicted and true class: the confusion matrix over the window. */
    confusion: `${level([...MV, PREDICTED, ACTUAL])}:inferwatch_feedback:increase${window}`,
    /** Labels counted (either task). */
    labels: `${mv}:inferwatch_feedback:labels${window}`,
    accuracy: `${mv}:inferwatch_feedback:accuracy${window}`,
    /** One-sided Wilson upper bound of the realized accuracy at QUALITY.z. */
    accuracyUpper: `${mv}:inferwatch_feedback:accuracy_wilson_upper${window}`,
    accuracyLower: `${mv}:inferwatch_feedback:accuracy_wilson_lower${window}`,
    precision: `${level([...MV, CLASS])}:inferwatch_feedback:precision${window}`,
    recall: `${level([...MV, CLASS])}:inferwatch_feedback:recall${window}`,
    macroF1: `${mv}:inferwatch_feedback:macro_f1${window}`,
    mae: `${mv}:inferwatch_feedback:mae${window}`,
    /** One-sided Student-t bounds of the MAE at QUALITY.z, from the absolute errors' sample variance. */
    maeUpper: `${mv}:inferwatch_feedback:mae_t_upper${window}`,
    maeLower: `${mv}:inferwatch_feedback:mae_t_lower${window}`,
    rmse: `${mv}:inferwatch_feedback:rmse${window}`,
    /** Mean top-1 confidence: a calibrated classifier's expected accuracy, without labels (CBPE). */
    estimated: `${mv}:inferwatch_prediction_confidence:mean${window}`,
    estimatedUpper: `${mv}:inferwatch_prediction_confidence:wilson_upper${window}`,
    estimatedLower: `${mv}:inferwatch_prediction_confidence:wilson_lower${window}`,
    /** Labels arrived over predictions made in the window. */
    coverage: `${mv}:inferwatch_feedback:coverage${window}`,
  } as const;
}
