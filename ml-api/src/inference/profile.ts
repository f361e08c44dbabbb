/**
 * The monitoring profile written beside every model (`profile.json`): what the training data looked like.
 * The API validates requests against it, builds the model input from it, and compares the requests it serves with it.
 */

/** How one numeric quantity was distributed in training: the baseline its live values are compared with. */
export interface NumericDistribution {
  /** Smallest and largest value seen in training; values outside are served but counted as out of range. */
  validRange: { min: number; max: number };
  /** The 9 inner decile edges: bin i holds values in (edges[i-1], edges[i]], giving 10 bins of ~10 % each. */
  decileEdges: number[];
  /** Share of the training values in each of the 10 bins: the expected shares for live PSI. */
  binShares: number[];
  mean: number;
  std: number;
}

export interface NumericFeatureProfile extends NumericDistribution {
  name: string;
  type: "numeric";
  /** Value the model substitutes for a missing input (the training median). */
  imputeValue: number;
  missingShare: number;
}

export interface CategoricalFeatureProfile {
  name: string;
  type: "categorical";
  /** Known categories, in the order of their one-hot columns in the model input. */
  categories: string[];
  /** Share of each category among training rows where the feature was present. */
  shares: Record<string, number>;
  missingShare: number;
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface ModelProfile {
  schemaVersion: 1;
  /** Features in signature order: the order of a V1 array instance and of the model's input columns. */
  features: FeatureProfile[];
  /** Output classes in the order of the model's probability columns; empty for a regressor. */
  classes: string[];
  /** Share of each true class in the training rows; empty for a regressor. */
  classShares: Record<string, number>;
  /** Classifier: top-1 confidence on the training rows, as cumulative shares at fixed upper bounds. */
  confidence?: { upperBounds: number[]; cumulativeShares: number[]; mean: number };
  /** Regressor: the model's predicted values on the training rows, the baseline of prediction drift. */
  predictedValue?: NumericDistribution;
  trainingRows: number;
}
