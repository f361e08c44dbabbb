import { LOW_CONFIDENCE } from "../../../contract/histogram-buckets.js";
import { binIndex } from "./bin-index.js";
import type { Row } from "./feature-encoder.js";
import type { InferenceOutput } from "./prediction.js";
import type { FeatureProfile, ModelProfile } from "./profile.js";
import { populationStabilityIndex, SlidingWindow } from "./sliding-window.js";

export interface DriftWindowOptions {
  /** Values per feature the PSI window holds. */
  size: number;
  /** PSI is noisy on few samples, so it is reported only once the window holds this many. */
  minSamples: number;
}

/** Cumulative counts for one feature since the version was first loaded. */
export interface FeatureTally {
  readonly feature: FeatureProfile;
  missing: number;
  outOfRange: number;
  unseen: number;
  /** Numeric: values per decile bin. Categorical: values per known category, in profile order. */
  readonly bins: number[];
  /** The training shares of those bins: the baseline served requests are compared with. */
  readonly baseline: readonly number[];
}

/** A regressor's predicted values per training decile bin, next to the training shares. */
export interface ValueTally {
  readonly bins: number[];
  readonly baseline: readonly number[];
}

/**
 * What the requests a version served look like next to its training profile: data-quality counts, counts per decile bin or
 * category, predictions per class (or, for a regressor, predicted values per training decile bin), and a
 * sliding-window PSI per feature and for the predictions. Updating it is a few array
 * increments per value, cheap enough for the request path; metrics read it when they are collected.
 */
export class ServedDataMonitor {
  readonly features: FeatureTally[];
  readonly predictions: number[];
  readonly predictedValue?: ValueTally;
  private readonly windows: SlidingWindow[];
  private readonly valueWindow?: SlidingWindow;

  constructor(
    readonly profile: ModelProfile,
    private readonly options: DriftWindowOptions,
  ) {
    this.features = profile.features.map((feature) => ({
      feature,
      missing: 0,
      outOfRange: 0,
      unseen: 0,
      bins: new Array<number>(
        feature.type === "numeric" ? feature.binShares.length : feature.categories.length,
      ).fill(0),
      baseline:
        feature.type === "numeric"
          ? feature.binShares
          : feature.categories.map((c) => feature.shares[c] ?? 0),
    }));
    // Categorical windows get one more bin for unseen categories, whose baseline share is zero.
    this.windows = this.features.map(
      (t) => new SlidingWindow(options.size, t.bins.length + (t.feature.type === "categorical" ? 1 : 0)),
    );
    this.predictions = new Array<number>(profile.classes.length).fill(0);
    const value = profile.predictedValue;
    if (value) {
      this.predictedValue = {
        bins: new Array<number>(value.binShares.length).fill(0),
        baseline: value.binShares,
      };
      this.valueWindow = new SlidingWindow(options.size, value.binShares.length);
    }
  }

  observe(rows: readonly Row[], output: InferenceOutput): void {
    for (const row of rows) {
      this.features.forEach((tally, i) => {
        const value = row[i];
        if (value === null || value === undefined) {
          tally.missing++;
          return;
        }
        const window = this.windows[i] as SlidingWindow;
        const feature = tally.feature;
        if (feature.type === "numeric") {
          const bin = binIndex(value as number, feature.decileEdges);
          (tally.bins[bin] as number)++;
          window.push(bin);
          if ((value as number) < feature.validRange.min || (value as number) > feature.validRange.max) {
            tally.outOfRange++;
          }
        } else {
          const bin = feature.categories.indexOf(value as string);
          if (bin < 0) {
            tally.unseen++;
            window.push(tally.bins.length);
          } else {
            (tally.bins[bin] as number)++;
            window.push(bin);
          }
        }
      });
    }
    if (output.task === "classification") {
      for (const p of output.predictions) {
        const c = this.profile.classes.indexOf(p.label);
        (this.predictions[c] as number)++;
      }
      return;
    }
    const edges = this.profile.predictedValue?.decileEdges;
    const tally = this.predictedValue;
    const window = this.valueWindow;
    if (!edges || !tally || !window) return;
    for (const value of output.values) {
      if (Number.isNaN(value)) continue;
      const bin = binIndex(value, edges);
      (tally.bins[bin] as number)++;
      window.push(bin);
    }
  }

  /** Training share of predictions at or below the low-confidence bound; undefined for a regressor. */
  lowConfidenceShare(): number | undefined {
    const confidence = this.profile.confidence;
    if (!confidence) return undefined;
    return confidence.cumulativeShares[confidence.upperBounds.indexOf(LOW_CONFIDENCE)] ?? 0;
  }

  /** Predicted values in the prediction PSI window (0 for a classifier). */
  predictionWindowSamples(): number {
    return this.valueWindow?.size ?? 0;
  }

  /** PSI of a regressor's predicted values against training, once the window holds enough of them. */
  predictionPsi(): number | undefined {
    const window = this.valueWindow;
    const tally = this.predictedValue;
    if (!window || !tally || window.size < this.options.minSamples) return undefined;
    return populationStabilityIndex(window.counts, tally.baseline);
  }

  windowSamples(feature: number): number {
    return this.windows[feature]?.size ?? 0;
  }

  /** PSI of a feature over its window, or undefined while the window holds too few values to trust. */
  psi(feature: number): number | undefined {
    const window = this.windows[feature];
    const tally = this.features[feature];
    if (!window || !tally || window.size < this.options.minSamples) return undefined;
    return populationStabilityIndex(window.counts, [...tally.baseline, 0]);
  }
}
