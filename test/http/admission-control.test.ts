import { type ClientRequest, type IncomingMessage, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS } from "../../contract/metric-catalogue.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type Point, type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

const LIMIT = 4;
const V1 = "/v1/models/penguins:predict";
const V2_1 = "/v2/models/penguins/versions/1/infer";
const v1v2 = { [ATTR.model]: "penguins", [ATTR.version]: "2" };
const v2v1 = { [ATTR.model]: "penguins", [ATTR.version]: "1" };

let api: TestApi;
let metrics: TestMetrics;
beforeAll(async () => {
  metrics = testMetrics();
  api = await startTestApi({ MAX_INFLIGHT_REQUESTS: String(LIMIT) }, metrics);
});
afterAll(() => api.stop());

const count = (points: Point[], attrs: Record<string, string>, outcome: string) =>
  total(points, METRICS.inferenceDuration.name, { ...attrs, [ATTR.outcome]: outcome });

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers with status, headers and the body as text, whatever the content type. */
async function post(path: string, body: unknown): Promise<Raw> {
  const res = await fetch(api.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/**
 * A request whose body arrives only when `finish` is called: until then it is in flight on the server,
 * holding one place of the admission limit, as a slow client or a long inference would.
 */
function heldRequest(path: string, body: unknown): { finish(): Promise<Raw> } {
  const text = JSON.stringify(body);
  const half = Math.floor(text.length / 2);
  const req: ClientRequest = request(api.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
  });
  const answered = new Promise<Raw>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res: IncomingMessage) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        data += chunk;
      });
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
  });
  req.write(text.slice(0, half));
  return {
    finish() {
      req.end(text.slice(half));
      return answered;
    },
  };
}

/** Sends probes until one is refused: the held requests have then all been admitted. */
async function untilRefused(deadlineMs = 10_000): Promise<Raw> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await post(V1, { instances: [withoutSex(ADELIE_V1)] });
    if (res.status === 503) return res;
    if (Date.now() > deadline) throw new Error(`no request refused within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectRefused(res: Raw): void {
  expect(res.status).toBe(503);
  expect(res.headers["retry-after"]).toBe("1");
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(JSON.parse(res.body)).toEqual({
    error: `server overloaded: ${LIMIT} inference requests already in flight (MAX_INFLIGHT_REQUESTS); retry later`,
  });
}

describe("admission control", () => {
  it("refuses inference beyond MAX_INFLIGHT_REQUESTS with 503, Retry-After and a JSON error, and serves every request it accepted", async () => {
    const before = await metrics.collect();
    const held = [
      heldRequest(V1, { instances: [withoutSex(ADELIE_V1)] }),
      heldRequest(V1, { instances: [withoutSex(GENTOO_V1)] }),
      heldRequest(V2_1, v2Body([ADELIE_V1])),
      heldRequest(V2_1, v2Body([GENTOO_V1, ADELIE_V1])),
    ];
    const probe = await untilRefused();
    expectRefused(probe);

    // While the limit is taken, every inference request is refused at once, on both protocols...
    const refused = await Promise.all([
      ...Array.from({ length: 6 }, () => post(V1, { instances: [withoutSex(ADELIE_V1)] })),
      ...Array.from({ length: 5 }, () => post(V2_1, v2Body([ADELIE_V1]))),
      post("/v2/models/zebra/infer", v2Body([ADELIE_V1])),
    ]);
    for (const res of refused) expectRefused(res);
    // ...and health, metadata and repository routes answer as always.
    for (const path of [
      "/healthz",
      "/readyz",
      "/v2/health/ready",
      "/v2/models/penguins",
      "/v1/models/penguins",
    ]) {
      expect((await api.get(path)).status, path).toBe(200);
    }
    expect((await api.post("/v2/repository/index", {})).status).toBe(200);

    const served = await Promise.all(held.map((h) => h.finish()));
    expect(served.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(JSON.parse(served[1]?.body ?? "").predictions[0].label).toBe("Gentoo");
    expect(JSON.parse(served[3]?.body ?? "").outputs[0].data).toEqual(["Gentoo", "Adelie"]);
    // The places are free again.
    expect((await post(V1, { instances: [withoutSex(ADELIE_V1)] })).status).toBe(200);

    const after = await metrics.collect();
    const delta = (attrs: Record<string, string>, outcome: string) =>
      count(after, attrs, outcome) - count(before, attrs, outcome);
    // Refusals count as `unavailable` under the version they would have gone to: the probes that were
    // refused and the six V1 requests on version 2, the five V2 requests on version 1; the unknown model on
    // none.
    const probesRefused = 1;
    expect(delta(v1v2, "unavailable")).toBe(probesRefused + 6);
    expect(delta(v2v1, "unavailable")).toBe(5);
    expect(delta(v2v1, "success")).toBe(2);
    expect(after.some((p) => p.attributes[ATTR.model] === "zebra")).toBe(false);
    expect(total(after, METRICS.active.name)).toBe(0);
  });

  it("under a burst above the limit, answers every request 200 or 503 and counts each answer once", async () => {
    const before = await metrics.collect();
    const batch = {
      instances: Array.from({ length: 256 }, (_, i) => withoutSex(i % 2 ? ADELIE_V1 : GENTOO_V1)),
    };
    const answers = await Promise.all(Array.from({ length: 12 * LIMIT }, () => post(V1, batch)));
    const after = await metrics.collect();

    const statuses = answers.map((r) => r.status);
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    for (const res of answers.filter((r) => r.status === 503)) expectRefused(res);
    for (const res of answers.filter((r) => r.status === 200)) {
      expect(JSON.parse(res.body).predictions).toHaveLength(256);
    }
    const delta = (outcome: string) => count(after, v1v2, outcome) - count(before, v1v2, outcome);
    expect(delta("success")).toBe(statuses.filter((s) => s === 200).length);
    expect(delta("unavailable")).toBe(statuses.filter((s) => s === 503).length);
  });
});
