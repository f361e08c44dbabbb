import { describe, expect, it } from "vitest";
import { binIndex } from "../../ml-api/src/inference/bin-index.js";

describe("bin of a value", () => {
  const edges = [10, 20, 30];
  it("puts a value equal to an edge in the bin below it", () => {
    expect([5, 10, 10.5, 20, 25, 30, 31].map((v) => binIndex(v, edges))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });
  it("uses the first and last bins for values beyond every edge", () => {
    expect(binIndex(-1e30, edges)).toBe(0);
    expect(binIndex(1e30, edges)).toBe(3);
  });
  it("keeps equal edges (ties in training data) consistent", () => {
    expect([1, 2, 3].map((v) => binIndex(v, [2, 2, 2]))).toEqual([0, 0, 3]);
  });
});
