/** Counts of the last `capacity` bin observations, kept incrementally so a share costs nothing to read. */
export class SlidingWindow {
  private readonly ring: Uint16Array;
  private next = 0;
  private filled = 0;
  readonly counts: number[];

  constructor(
    readonly capacity: number,
    bins: number,
  ) {
    this.ring = new Uint16Array(capacity);
    this.counts = new Array<number>(bins).fill(0);
  }

  get size(): number {
    return this.filled;
  }

  push(bin: number): void {
    if (this.filled === this.capacity) (this.counts[this.ring[this.next] as number] as number)--;
    else this.filled++;
    this.ring[this.next] = bin;
    (this.counts[bin] as number)++;
    this.next = (this.next + 1) % this.capacity;
  }
}

/** Shares this small stand in for empty bins, so an empty bin adds a large but finite term. */
const EMPTY_SHARE = 1e-4;

/** Population stability index of observed bin counts against expected shares. */
export function populationStabilityIndex(counts: readonly number[], expected: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let psi = 0;
  counts.forEach((count, i) => {
    const actual = Math.max(count / total, EMPTY_SHARE);
    const baseline = Math.max(expected[i] ?? 0, EMPTY_SHARE);
    psi += (actual - baseline) * Math.log(actual / baseline);
  });
  return psi;
}
