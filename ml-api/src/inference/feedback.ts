import type { FeedbackRejection } from "../../../contract/metric-catalogue.js";
import type { PredictionClaim, PredictionIds } from "./prediction-ids.js";
import type { ModelProfile } from "./profile.js";
import type { SeenLabels } from "./seen-labels.js";

/** One item of a feedback request, after the HTTP layer checked its shape. */
export interface FeedbackItem {
  prediction_id: string;
  label?: string;
  value?: unknown;
}

/** A label joined to the prediction its id names. */
export type JoinedLabel = { model: string; version: string; delaySeconds: number } & (
  | { task: "classification"; predicted: string; actual: string }
  | {
      task: "regression";
      predicted: number;
      actual: number;
      /** The range of the version's training predictions: the scale its errors are bucketed by. */
      scale: number;
    }
);

export interface FeedbackOutcome {
  accepted: JoinedLabel[];
  rejected: { index: number; reason: FeedbackRejection }[];
}

export interface FeedbackOptions {
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Joins labels to predictions through their ids alone: the id says which model, version and prediction,
 * `profileOf` says which classes that version has (undefined when this replica never loaded it).
 * Checks run cheapest first, and an id is remembered as labelled only once its label is accepted, so a
 * label with a typo can be sent again corrected.
 */
export class FeedbackJoin {
  private readonly now: () => number;

  constructor(
    private readonly ids: PredictionIds,
    private readonly seen: SeenLabels,
    private readonly profileOf: (model: string, version: string) => ModelProfile | undefined,
    private readonly options: FeedbackOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  join(model: string, version: string | undefined, items: readonly FeedbackItem[]): FeedbackOutcome {
    const outcome: FeedbackOutcome = { accepted: [], rejected: [] };
    const now = this.now();
    items.forEach((item, index) => {
      const joined = this.joinOne(model, version, item, now);
      if (typeof joined === "string") outcome.rejected.push({ index, reason: joined });
      else outcome.accepted.push(joined);
    });
    return outcome;
  }

  private joinOne(
    model: string,
    version: string | undefined,
    item: FeedbackItem,
    now: number,
  ): JoinedLabel | FeedbackRejection {
    const claim = this.ids.verify(item.prediction_id);
    if (!claim) return "unknown_id";
    if (claim.model !== model || (version !== undefined && claim.version !== version)) return "wrong_model";
    const ageMs = now - claim.issuedAtMs;
    if (ageMs > this.options.maxAgeMs) return "too_old";
    const profile = this.profileOf(claim.model, claim.version);
    if (!profile) return "unknown_version";
    const joined = this.label(claim, profile, item, Math.max(0, ageMs) / 1000);
    if (typeof joined === "string") return joined;
    return this.seen.firstTime(claim.key) ? joined : "duplicate";
  }

  private label(
    claim: PredictionClaim,
    profile: ModelProfile,
    item: FeedbackItem,
    delaySeconds: number,
  ): JoinedLabel | FeedbackRejection {
    const { model, version, predicted } = claim;
    if (predicted.kind === "class") {
      const classes = profile.classes;
      const name = classes[predicted.index];
      if (item.label === undefined || !classes.includes(item.label) || name === undefined)
        return "unknown_class";
      return { model, version, delaySeconds, task: "classification", predicted: name, actual: item.label };
    }
    if (typeof item.value !== "number" || !Number.isFinite(item.value)) return "not_a_number";
    const range = profile.predictedValue?.validRange;
    return {
      model,
      version,
      delaySeconds,
      task: "regression",
      predicted: predicted.value,
      actual: item.value,
      // A constant model's range is empty; any positive scale keeps its buckets ordered.
      scale: range && range.max > range.min ? range.max - range.min : 1,
    };
  }
}
