/** The generic table shape the training tools work on, whatever the data came from (JSON, CSV). */

/** One record: numeric features hold numbers, categorical features and labels hold strings; null is missing. */
export type Row = Record<string, number | string | null>;

export type FeatureSpec =
  | { name: string; type: "numeric" }
  /** Without `categories`, the categories seen in the rows are used, sorted. */
  | { name: string; type: "categorical"; categories?: string[] };
