/**
 * The bin a value falls in, given inner bin edges: bin 0 holds values <= edges[0], bin i values in
 * (edges[i-1], edges[i]], and the last bin values above every edge: the upper-inclusive buckets of
 * OpenTelemetry histograms and Prometheus's `le`. Training (the profile's decile shares), serving (live bin
 * counts and PSI) and the model histograms all call this, so a value lands in the same bin in each.
 */
export function binIndex(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
