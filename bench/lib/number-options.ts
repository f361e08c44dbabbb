import { parseArgs } from "node:util";

/**
 * A bench's command-line options, each a number with its default (`--rounds 5` over `rounds: 3`). Unknown
 * options are an error, as parseArgs makes them.
 */
export function numberOptions<K extends string>(defaults: Readonly<Record<K, number>>): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({
    options: Object.fromEntries(names.map((k) => [k, { type: "string", default: String(defaults[k]) }])),
  });
  return Object.fromEntries(names.map((k) => [k, Number(values[k])])) as Record<K, number>;
}
