import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, v2Body, withoutSex } from "../support/penguins.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ MAX_BODY_BYTES: "65536" });
});
afterAll(() => api.stop());

const ROUTES = [
  "/v1/models/penguins:predict",
  "/v2/models/penguins/infer",
  "/v2/models/penguins/versions/1/infer",
  "/v2/repository/index",
];
const RUNS = { numRuns: 300 };

/** A client error is fine; a 5xx for a body the client chose is a bug. */
async function expectNo5xx(path: string, body: string) {
  const res = await fetch(api.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  expect(res.status, `${path} ${body.slice(0, 200)} -> ${text}`).toBeLessThan(500);
  expect(JSON.parse(text)).toBeTypeOf("object");
}

/** Replaces one value somewhere inside a valid body with an arbitrary JSON value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [head = 0, ...rest] = path;
  const index = head % entries.length;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const [key, child] = entries[index] as [string, unknown];
  (copy as Record<string, unknown>)[key] = mutate(child, rest, replacement);
  return copy;
}

describe("no request body makes the API answer 5xx", () => {
  it("arbitrary JSON values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.jsonValue(), (path, value) =>
        expectNo5xx(path, JSON.stringify(value)),
      ),
      RUNS,
    );
  });

  it("arbitrary strings, mostly not JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.string({ maxLength: 300 }), expectNo5xx),
      RUNS,
    );
  });

  it("valid bodies with one value replaced anywhere inside", async () => {
    const valid = [
      [
        "/v1/models/penguins:predict",
        { instances: [withoutSex(ADELIE_V1), Object.values(withoutSex(ADELIE_V1))] },
      ],
      [
        "/v2/models/penguins/versions/1/infer",
        v2Body([ADELIE_V1, ADELIE_V1], { id: "1", outputs: [{ name: "label" }] }),
      ],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.oneof(fc.jsonValue(), fc.constantFrom(1e308, -1e308, 3.5e38, -0, 2 ** 53 + 1)),
        ([path, body], where, replacement) =>
          expectNo5xx(path, JSON.stringify(mutate(body, where, replacement))),
      ),
      { numRuns: 500 },
    );
  });

  it("random paths under every prefix", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/v1/models/", "/v2/models/", "/v2/repository/models/", "/"),
        fc.webSegment(),
        fc.constantFrom(":predict", "/infer", "/ready", "/load", "/versions/x/infer", ""),
        async (prefix, segment, suffix) => {
          const res = await fetch(`${api.url}${prefix}${segment}${suffix}`, { method: "POST", body: "" });
          expect(res.status).toBeLessThan(500);
          expect(await res.json()).toHaveProperty("error");
        },
      ),
      RUNS,
    );
  });
});
