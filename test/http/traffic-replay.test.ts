import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seeded } from "../../traffic/random.js";
import { RequestMix, TRAFFIC_MIX } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";
import { tally } from "../../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { CLASSIFIER, REGRESSOR, type ServedModels, servedModels } from "../support/served-models.js";

/**
 * `npm run traffic` replays real rows over both protocols for any model: the bundled classifier's held-out
 * rows, and an exported regressor's, whose V2 input is one [N, D] matrix. Every request must be answered as
 * planned, and the classifier must be about as sure of the replayed rows as it was of its training rows.
 */

const REQUESTS = 300;

let served: ServedModels;
let api: TestApi;
beforeAll(async () => {
  served = await servedModels();
  api = await startTestApi({ MODEL_REPOSITORY: served.repository });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  served?.remove();
});

async function replay(model: string, seed: number) {
  const target = await discoverTarget(api.url, model, served.repository);
  const mix = new RequestMix(target, heldOutRecords(served.repository, target), seeded(seed), TRAFFIC_MIX);
  const plan = Array.from({ length: REQUESTS }, () => mix.next());
  return {
    plan,
    report: await send(plan, { baseUrl: api.url, rate: Number.POSITIVE_INFINITY, concurrency: 8 }),
  };
}

describe("traffic replaying real rows", () => {
  it.each([CLASSIFIER, REGRESSOR])("answers every request to %s as planned", async (model) => {
    const { report } = await replay(model, 3);
    const t = tally(report.sent);
    expect(t.unexpected.map((s) => `${s.request.kind} ${s.status} ${s.request.body.slice(0, 200)}`)).toEqual(
      [],
    );
    expect(t.inference.some((i) => i.model === model && i.outcome === "success")).toBe(true);
  });

  it("gives the classifier rows it is as sure of as of its training rows", async () => {
    const target = await discoverTarget(api.url, CLASSIFIER, served.repository);
    const records = heldOutRecords(served.repository, target);
    const mix = new RequestMix(target, records, seeded(5), { ...TRAFFIC_MIX, mix: [["v1_named", 1]] });
    const confidences: number[] = [];
    for (let i = 0; i < 40; i++) {
      const request = mix.next();
      const res = await api.post(request.path, JSON.parse(request.body));
      expect(res.status).toBe(200);
      confidences.push(...res.body.predictions.map((p: { confidence: number }) => p.confidence));
    }
    const low = confidences.filter((c) => c <= 0.8).length / confidences.length;
    // The sampled traffic this replaces had 19-21 % of its rows at or below 0.8.
    expect(low).toBeLessThan(0.05);
  });
});
