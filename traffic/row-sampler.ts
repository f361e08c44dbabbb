import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import { type Random, weighted } from "./random.js";

/**
 * Feature rows that look like the model's training data: each numeric value falls in a training decile bin
 * as often as the profile says (uniform inside the bin), each category as often as its training share. A
 * drift shifts one numeric feature by a number of its training standard deviations, which is what the
 * API's PSI and bin counters should notice.
 */

export type Value = number | string | null;
export type Instance = Record<string, Value>;

export interface Drift {
  feature: string;
  /** Shift in training standard deviations. */
  std: number;
}

export interface SamplerOptions {
  drift?: Drift;
  /** Chance that a row has one numeric value missing (null), which the model imputes. */
  missingRate: number;
}

export class RowSampler {
  constructor(
    readonly profile: ModelProfile,
    private readonly random: Random,
    private readonly options: SamplerOptions,
  ) {}

  /** Feature names in signature order (the order of a V1 array instance). */
  get features(): string[] {
    return this.profile.features.map((f) => f.name);
  }

  row(): Instance {
    const instance: Instance = {};
    for (const f of this.profile.features) {
      if (f.type === "numeric") {
        const edges = [f.validRange.min, ...f.decileEdges, f.validRange.max];
        const bin = weighted(
          this.random,
          f.binShares.map((share, i) => [i, share] as const),
        );
        const lo = edges[bin] ?? f.validRange.min;
        const hi = edges[bin + 1] ?? f.validRange.max;
        let value = lo + this.random() * (hi - lo);
        if (this.options.drift?.feature === f.name) value += this.options.drift.std * f.std;
        instance[f.name] = Math.round(value * 10) / 10;
      } else {
        instance[f.name] = weighted(
          this.random,
          f.categories.map((c) => [c, f.shares[c] ?? 0] as const),
        );
      }
    }
    if (this.random() < this.options.missingRate) {
      const numeric = this.profile.features.filter((f) => f.type === "numeric");
      const f = numeric[Math.floor(this.random() * numeric.length)];
      if (f) instance[f.name] = null;
    }
    return instance;
  }

  rows(count: number): Instance[] {
    return Array.from({ length: count }, () => this.row());
  }
}

/** The numeric features of a profile: the ones a drift can shift. */
export function numericFeatures(profile: ModelProfile): string[] {
  return profile.features.filter((f) => f.type === "numeric").map((f) => f.name);
}
