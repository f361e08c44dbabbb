import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import type { LabelledRow } from "./feedback-loop.js";
import { type CsvRecord, MISSING } from "./row-replay.js";

/**
 * The rows `--feedback` replays, with their truth: each record cut to the version's features, its label the
 * record's `labelColumn`, by default the one column that is no feature of any of the model's versions
 * (`profiles`; the held-out CSV training leaves beside a model has exactly one).
 */
export function labelledRows(
  profile: ModelProfile,
  profiles: Iterable<ModelProfile>,
  records: readonly CsvRecord[],
  labelColumn?: string,
): LabelledRow[] {
  const features = new Set([...profiles].flatMap((p) => p.features.map((f) => f.name)));
  const others = Object.keys(records[0] ?? {}).filter((c) => !features.has(c));
  const column = labelColumn ?? (others.length === 1 ? others[0] : undefined);
  if (column === undefined || !Object.hasOwn(records[0] ?? {}, column))
    throw new Error(
      `--feedback needs the rows' true label: name its column with --label-column (columns besides the features: ${others.join(", ") || "none"})`,
    );
  return records.map((record) => {
    const instance: LabelledRow["instance"] = {};
    for (const f of profile.features) {
      const text = record[f.name] ?? "";
      instance[f.name] = MISSING.has(text) ? null : f.type === "numeric" ? Number(text) : text;
    }
    return { instance, label: record[column] ?? "" };
  });
}
