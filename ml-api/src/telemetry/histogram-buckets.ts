/**
 * Explicit histogram boundaries. The OTel SDK's defaults are sized for milliseconds, so every histogram in
 * seconds or in [0, 1] names its own. The model profile records training confidence at the same bounds so
 * live and baseline shares compare bucket for bucket.
 */

/** Top-1 confidence; below 1 / classes is impossible, so the low end is coarse. */
export const CONFIDENCE_BUCKETS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1] as const;
