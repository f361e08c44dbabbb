import { describe, expect, it } from "vitest";
import { PredictionIds } from "../../ml-api/src/inference/prediction-ids.js";
import { SeenLabels } from "../../ml-api/src/inference/seen-labels.js";

const key = Buffer.alloc(32, 7);

describe("prediction ids", () => {
  it("carry model, version, issue time and the predicted class or value, and verify with the same key", () => {
    const ids = new PredictionIds(key, () => 1_700_000_000_123);
    const [a, b] = ids.issue("penguins", "2", [
      { kind: "class", index: 2 },
      { kind: "class", index: 0 },
    ]);
    const [v] = new PredictionIds(key, () => 5).issue("mass", "10", [{ kind: "value", value: 4123.5 }]);
    const other = new PredictionIds(Buffer.from(key));
    expect(other.verify(a as string)).toMatchObject({
      model: "penguins",
      version: "2",
      issuedAtMs: 1_700_000_000_123,
      predicted: { kind: "class", index: 2 },
    });
    expect(other.verify(b as string)?.predicted).toEqual({ kind: "class", index: 0 });
    expect(other.verify(v as string)).toMatchObject({ model: "mass", version: "10", issuedAtMs: 5 });
    expect(other.verify(v as string)?.predicted).toEqual({ kind: "value", value: 4123.5 });
    // Two rows of one request differ: the nonce makes each id, and each dedup key, unique.
    expect(a).not.toBe(b);
    expect(other.verify(a as string)?.key).not.toBe(other.verify(b as string)?.key);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("reject every altered byte, another key, and strings that are not ids", () => {
    const [id] = new PredictionIds(key).issue("penguins", "1", [{ kind: "class", index: 1 }]);
    const bytes = Buffer.from(id as string, "base64url");
    const ids = new PredictionIds(key);
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] = (altered[i] as number) ^ 1;
      expect(ids.verify(altered.toString("base64url"))).toBeUndefined();
    }
    expect(new PredictionIds(Buffer.alloc(32, 8)).verify(id as string)).toBeUndefined();
    for (const junk of ["", "x", "not base64!", `${id}A`, (id as string).slice(0, -2)])
      expect(ids.verify(junk)).toBeUndefined();
  });

  it("refuse a key shorter than 32 bytes", () => {
    expect(() => new PredictionIds(Buffer.alloc(31))).toThrow(RangeError);
  });
});

describe("seen labels", () => {
  it("count a repeat once, remember at least the last capacity/2 keys and at most capacity", () => {
    const seen = new SeenLabels(4);
    expect(seen.firstTime("a")).toBe(true);
    expect(seen.firstTime("a")).toBe(false);
    for (const k of ["b", "c", "d"]) expect(seen.firstTime(k)).toBe(true);
    // c and d started the second generation; a and b are still in the first.
    expect(seen.firstTime("c")).toBe(false);
    expect(seen.firstTime("d")).toBe(false);
    expect(seen.firstTime("b")).toBe(false);
    // e starts a third generation: the first one (a, b) is forgotten, the second (c, d) kept.
    expect(seen.firstTime("e")).toBe(true);
    expect(seen.firstTime("c")).toBe(false);
    expect(seen.firstTime("a")).toBe(true);
  });
});
