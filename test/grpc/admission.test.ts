import { type IncomingMessage, request } from "node:http";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS } from "../../contract/metric-catalogue.js";
import { RETRY_PUSHBACK_KEY } from "../../ml-api/src/grpc/status.js";
import { type InferenceClient, inferenceClient, inferRequest } from "../support/grpc-client.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, withoutSex } from "../support/penguins.js";
import { type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

/** MAX_INFLIGHT_REQUESTS bounds REST and gRPC inference together: a place REST holds is one gRPC lacks. */
const LIMIT = 1;
let api: TestApi;
let client: InferenceClient;
let metrics: TestMetrics;
beforeAll(async () => {
  metrics = testMetrics();
  api = await startTestApi({ MAX_INFLIGHT_REQUESTS: String(LIMIT) }, metrics);
  client = inferenceClient(api.grpcPort);
});
afterAll(async () => {
  client.close();
  await api.stop();
});

/** A REST inference whose body arrives only when `finish` is called: it holds its place until then. */
function heldRestRequest(): { finish(): Promise<number> } {
  const text = JSON.stringify({ instances: [withoutSex(ADELIE_V1)] });
  const req = request(`${api.url}/v1/models/penguins:predict`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res: IncomingMessage) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
    });
  });
  req.write(text.slice(0, 10));
  return {
    finish() {
      req.end(text.slice(10));
      return answered;
    },
  };
}

describe("admission control shared with REST", () => {
  it("refuses gRPC inference with UNAVAILABLE and a retry hint while REST holds every place, and counts it", async () => {
    const unavailable = { [ATTR.model]: "penguins", [ATTR.version]: "1", [ATTR.outcome]: "unavailable" };
    const before = total(await metrics.collect(), METRICS.inferenceDuration.name, unavailable);
    const held = heldRestRequest();
    const request = inferRequest("penguins", [ADELIE_V1], { model_version: "1" });
    const deadline = Date.now() + 10_000;
    let refused = await client.call("ModelInfer", request);
    while (refused.error === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      refused = await client.call("ModelInfer", request);
    }
    expect(refused.error?.code).toBe(status.UNAVAILABLE);
    expect(refused.error?.details).toMatch(
      /1 inference requests already in flight \(MAX_INFLIGHT_REQUESTS\)/,
    );
    expect(refused.error?.metadata.get(RETRY_PUSHBACK_KEY)).toEqual(["1000"]);
    expect((await client.call("ServerLive", {})).response).toEqual({ live: true });
    expect(await held.finish()).toBe(200);
    expect((await client.call("ModelInfer", request)).error).toBeUndefined();
    const after = total(await metrics.collect(), METRICS.inferenceDuration.name, unavailable);
    expect(after - before).toBeGreaterThanOrEqual(1);
  });
});
