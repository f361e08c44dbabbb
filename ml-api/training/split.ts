/** Held-out split that keeps every class's share the same in both parts. */
import type { Row } from "./feature-spec.js";
import { type Random, shuffled } from "./prng.js";
import { sortedDistinct } from "./profile-builder.js";

export interface Split {
  train: Row[];
  test: Row[];
}

/** Moves round(testShare * n) random rows of each class to `test`; both parts keep the input order. */
export function stratifiedSplit(
  rows: readonly Row[],
  label: string,
  testShare: number,
  random: Random,
): Split {
  const testIndices = new Set<number>();
  const labels = rows.map((row) => String(row[label]));
  for (const value of sortedDistinct(labels)) {
    const members = labels.flatMap((l, i) => (l === value ? [i] : []));
    for (const i of shuffled(members, random).slice(0, Math.round(members.length * testShare)))
      testIndices.add(i);
  }
  return {
    train: rows.filter((_, i) => !testIndices.has(i)),
    test: rows.filter((_, i) => testIndices.has(i)),
  };
}
