import { describe, expect, it } from "vitest";
import { QUALITY } from "../../contract/alerting-config.js";
import { studentTTerms } from "../../prometheus/rules/quality-rules.js";

/**
 * The t quantile the MAE bounds use (quality-rules.ts) against the one-sided 95% quantiles of Student's t
 * in the statistics tables, by degrees of freedom: close from a handful of degrees of freedom on, too small
 * below, as the rule's comment says.
 */

const TABLE: [number, number][] = [
  [3, 2.353],
  [4, 2.132],
  [5, 2.015],
  [10, 1.812],
  [30, 1.697],
  [120, 1.658],
];

describe("the MAE bounds' Student-t quantile", () => {
  const [z, first, second] = studentTTerms(QUALITY.z);
  const t = (df: number) => z + first / df + second / df ** 2;

  it("is within 2% of the tables from three degrees of freedom on", () => {
    expect(QUALITY.z).toBe(1.645);
    const off = TABLE.filter(([df, exact]) => Math.abs(t(df) - exact) / exact > 0.02);
    expect(off).toEqual([]);
  });

  it("is too small for one degree of freedom, where the spread of two errors is all there is", () => {
    expect(t(1)).toBeLessThan(6.314);
  });
});
