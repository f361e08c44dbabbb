/**
 * Durations of the rules, in seconds, and their Prometheus spelling. Every window and `for:` of the rules
 * goes through `Timescale`, so the delivery tests can render the same rules with every duration divided by
 * one factor (an hour-long window becomes a two-minute one) instead of keeping a second, hand-shortened copy.
 */

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `90` -> "1m30s", `3600` -> "1h", `259200` -> "3d": the shortest exact Prometheus duration. */
export function promDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error(`a rule duration must be a whole, positive number of seconds, not ${seconds}`);
  }
  const units: [string, number][] = [
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
    ["s", 1],
  ];
  let rest = seconds;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

export class Timescale {
  /** `speedup` 1 is real time; 30 makes a 1 h window 2 min. */
  constructor(readonly speedup = 1) {
    if (!(speedup >= 1)) throw new Error(`speedup must be at least 1, not ${speedup}`);
  }

  /** Seconds after scaling, at least one. */
  seconds(real: number): number {
    return Math.max(1, Math.round(real / this.speedup));
  }

  /** The scaled duration as Prometheus writes it. */
  d(real: number): string {
    return promDuration(this.seconds(real));
  }
}
