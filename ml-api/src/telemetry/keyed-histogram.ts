import type { Attributes, AttributeValue, Histogram } from "@opentelemetry/api";
import type { HistogramCell } from "./histogram-cell.js";
import type { HistogramCells, HistogramSpec } from "./histogram-cells.js";

/** The SDK's default limit of series per instrument, and the attribute set it folds the excess into. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW_ATTRIBUTES: Attributes = { "otel.metric.overflow": true };

/** A step in the lookup: by attribute key, then by that key's value. */
interface Step {
  next?: Map<string, Map<unknown, Step>>;
  cell?: HistogramCell;
}

/**
 * A histogram whose caller passes attributes on each record, as the SDK's does, recording into one cell per
 * attribute set. It finds the cell by walking the set's keys and values in the caller's order through nested
 * maps: the keys and most values are string constants whose hashes V8 keeps, so no key string is built
 * and hashed per record. The SDK sorts the keys and JSON-encodes the set on every record; so did this class
 * at first, which measured no cheaper than the SDK. The first time an order is seen, the set's sorted form
 * decides the cell, so the same set in another order is still one series. Like the SDK's, it keeps at most
 * `cardinalityLimit` series, the last of them the overflow series.
 */
export class KeyedHistogram implements Histogram {
  private readonly root: Step = {};
  private readonly bySortedKey = new Map<string, HistogramCell>();
  private overflow: HistogramCell | undefined;

  constructor(
    private readonly cells: HistogramCells,
    private readonly spec: HistogramSpec,
    private readonly cardinalityLimit = CARDINALITY_LIMIT,
  ) {}

  record(value: number, attributes: Attributes = {}): void {
    (this.find(attributes) ?? this.firstSeen(attributes)).record(value);
  }

  private find(attributes: Attributes): HistogramCell | undefined {
    let step: Step | undefined = this.root;
    for (const key in attributes) {
      step = step.next?.get(key)?.get(mapKey(attributes[key]));
      if (!step) return undefined;
    }
    return step.cell;
  }

  private firstSeen(attributes: Attributes): HistogramCell {
    const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
    let cell = this.bySortedKey.get(key);
    if (!cell) {
      if (this.bySortedKey.size >= this.cardinalityLimit - 1) {
        this.overflow ??= this.cells.cell(this.spec, OVERFLOW_ATTRIBUTES);
        return this.overflow;
      }
      cell = this.cells.cell(this.spec, { ...attributes });
      this.bySortedKey.set(key, cell);
    }
    let step = this.root;
    for (const key in attributes) {
      step.next ??= new Map();
      const byValue = step.next.get(key) ?? new Map<unknown, Step>();
      step.next.set(key, byValue);
      const value = mapKey(attributes[key]);
      const next = byValue.get(value) ?? {};
      byValue.set(value, next);
      step = next;
    }
    step.cell = cell;
    return cell;
  }
}

/** Arrays are new objects on every record, so they are looked up by their JSON. */
function mapKey(value: AttributeValue | undefined): unknown {
  return typeof value === "object" ? JSON.stringify(value) : value;
}
