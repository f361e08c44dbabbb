import type { Attributes } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistogramCells } from "../../ml-api/src/telemetry/histogram-cells.js";
import { KeyedHistogram } from "../../ml-api/src/telemetry/keyed-histogram.js";
import { OnDemandReader } from "../support/test-metrics.js";

const SPEC = { name: "d", description: "", unit: "s", buckets: [0.1, 1, 10] };
const sortedJson = (a: Attributes) => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));

/** The same records through the SDK's histogram and a keyed one, points by attribute set. */
async function both(records: [number, Attributes][], cardinalityLimit: number) {
  const cells = new HistogramCells({ name: "cells" });
  const reader = new OnDemandReader({
    metricProducers: [cells],
    cardinalitySelector: () => cardinalityLimit,
  });
  const sdk = new MeterProvider({ readers: [reader] })
    .getMeter("sdk")
    .createHistogram(SPEC.name, { advice: { explicitBucketBoundaries: SPEC.buckets } });
  const keyed = new KeyedHistogram(cells, SPEC, cardinalityLimit);
  for (const [value, attributes] of records) {
    sdk.record(value, attributes);
    keyed.record(value, attributes);
  }
  const { resourceMetrics } = await reader.collect();
  const pointsOf = (scope: string) => {
    const points =
      resourceMetrics.scopeMetrics.find((s) => s.scope.name === scope)?.metrics[0]?.dataPoints ?? [];
    return new Map(points.map((p) => [sortedJson(p.attributes), p.value]));
  };
  return { fromSdk: pointsOf("sdk"), fromCells: pointsOf("cells") };
}

/** Attribute sets over few keys and values, so sets repeat, in any key order; arrays are new each time. */
const attributeSet = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom("a", "b", "c", "d"),
      fc.oneof(
        fc.constantFrom("x", "y", 200, 404, true),
        fc.array(fc.constantFrom("p", "q"), { maxLength: 2 }),
      ),
    ),
    {
      selector: ([k]) => k,
      maxLength: 4,
    },
  )
  .map((pairs) => Object.fromEntries(pairs) as Attributes);

describe("keyed histogram", () => {
  it("gives the SDK histogram's series and points for any records, whatever the key order", async () => {
    const records = fc.array(fc.tuple(fc.double({ min: 0, max: 20, noNaN: true }), attributeSet), {
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(records, fc.integer({ min: 2, max: 8 }), async (rs, limit) => {
        const { fromSdk, fromCells } = await both(rs, limit);
        expect(fromCells).toEqual(fromSdk);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps one series for one attribute set recorded in two key orders", async () => {
    const { fromCells } = await both(
      [
        [1, { a: "x", b: 200 }],
        [2, { b: 200, a: "x" }],
      ],
      2000,
    );
    expect([...fromCells.values()]).toMatchObject([{ count: 2 }]);
  });
});
