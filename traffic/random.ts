/** Seeded choices, so a traffic run can be replayed exactly; the generator is the one training uses. */
import type { Random } from "../ml-api/training/prng.js";

export { createRandom as seeded, type Random } from "../ml-api/training/prng.js";

/** One of `items`, each as likely as its weight. */
export function weighted<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new Error("weighted: no items");
  return last[0];
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick: no items");
  return item;
}
