/**
 * Explicit histogram boundaries. The OTel SDK's defaults are sized for milliseconds, so every histogram in
 * seconds or in [0, 1] names its own. The model profile records training confidence at the same bounds so
 * live and baseline shares compare bucket for bucket.
 */

/** Top-1 confidence; below 1 / classes is impossible, so the low end is coarse. */
export const CONFIDENCE_BUCKETS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1] as const;

/** A prediction at or below this confidence counts as low-confidence; it is one of the bucket bounds. */
export const LOW_CONFIDENCE = 0.8;

/** Top-1 minus top-2 probability. */
export const MARGIN_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1] as const;

/** Whole-inference and per-phase latency: sub-millisecond phases up to multi-second overloads. */
export const SECONDS_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Rows per request, in powers of two up to the largest batch a deployment is likely to allow. */
export const ROWS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096] as const;

/** Model load time: small models load in milliseconds, large ones in tens of seconds. */
export const LOAD_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60] as const;

/** RPC call duration: the boundaries the semantic conventions advise for `rpc.server.call.duration`. */
export const RPC_SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** Seconds from a prediction to its label: labels arrive from seconds (a click) to days (a chargeback). */
export const FEEDBACK_DELAY_BUCKETS = [1, 10, 60, 300, 900, 3600, 14_400, 86_400, 259_200, 604_800] as const;

/**
 * A regressor's absolute error as shares of its training predictions' range: its boundaries are these
 * times that range, so one set serves models of any scale.
 */
export const ABSOLUTE_ERROR_SHARES = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] as const;
