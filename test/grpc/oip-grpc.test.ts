import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR, METRICS } from "../../contract/metric-catalogue.js";
import { INFERENCE_SERVICE } from "../../ml-api/src/grpc/service-definition.js";
import { RETRY_PUSHBACK_KEY } from "../../ml-api/src/grpc/status.js";
import { type InferenceClient, inferenceClient, inferRequest, type Message } from "../support/grpc-client.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, GENTOO_V1, v2Body, withoutSex } from "../support/penguins.js";
import { type TestMetrics, testMetrics, total } from "../support/test-metrics.js";

const MAX_BODY_BYTES = 65_536;
const MAX_BATCH_ROWS = 64;
let api: TestApi;
let client: InferenceClient;
let metrics: TestMetrics;
beforeAll(async () => {
  metrics = testMetrics();
  api = await startTestApi(
    { MAX_BODY_BYTES: String(MAX_BODY_BYTES), MAX_BATCH_ROWS: String(MAX_BATCH_ROWS) },
    metrics,
  );
  client = inferenceClient(api.grpcPort);
});
afterAll(async () => {
  client.close();
  await api.stop();
});

const ROWS = [
  ADELIE_V1,
  GENTOO_V1,
  { ...ADELIE_V1, bill_length_mm: null, island: "Dream" },
  { ...GENTOO_V1, island: "Atlantis" },
];

/** A tensor's values, from typed contents or from the raw output at the same index. */
function values(response: Message, name: string): (number | string)[] {
  const index = response.outputs.findIndex((o: Message) => o.name === name);
  const tensor = response.outputs[index];
  const raw: Buffer | undefined = response.raw_output_contents[index];
  if (tensor.datatype === "BYTES") {
    if (!raw) return tensor.contents.bytes_contents.map((b: Buffer) => b.toString("utf8"));
    const out: string[] = [];
    for (let at = 0; at < raw.length; ) {
      const length = raw.readUInt32LE(at);
      out.push(raw.subarray(at + 4, at + 4 + length).toString("utf8"));
      at += 4 + length;
    }
    return out;
  }
  if (!raw) return tensor.contents.fp32_contents;
  return Array.from({ length: raw.length / 4 }, (_, i) => raw.readFloatLE(i * 4));
}

/** The same rows as raw_input_contents: FP32 little-endian, BYTES as 4-byte length plus bytes. */
function rawRequest(model: string, instances: Record<string, number | string | null>[], extra = {}): Message {
  const typed = inferRequest(model, instances, extra);
  const raw = typed.inputs.map((input: Message) => {
    if (input.datatype === "FP32") {
      const buffer = Buffer.alloc(input.contents.fp32_contents.length * 4);
      input.contents.fp32_contents.forEach((v: number, i: number) => {
        buffer.writeFloatLE(v, i * 4);
      });
      return buffer;
    }
    return Buffer.concat(
      input.contents.bytes_contents.flatMap((b: Buffer) => {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(b.length);
        return [length, b];
      }),
    );
  });
  return {
    ...typed,
    inputs: typed.inputs.map(({ contents: _contents, ...rest }: Message) => rest),
    raw_input_contents: raw,
  };
}

describe("GRPCInferenceService", () => {
  it("answers the health and metadata methods as the REST routes do", async () => {
    expect((await client.call("ServerLive", {})).response).toEqual({ live: true });
    expect((await client.call("ServerReady", {})).response).toEqual({ ready: true });
    expect((await client.call("ModelReady", { name: "penguins", version: "2" })).response).toEqual({
      ready: true,
    });
    const server = (await client.call("ServerMetadata", {})).response;
    expect(server).toEqual((await api.get("/v2")).body);
    const model = (await client.call("ModelMetadata", { name: "penguins", version: "1" })).response;
    const rest = (await api.get("/v2/models/penguins/versions/1")).body;
    expect({ ...model, properties: undefined }).toEqual({ ...rest, properties: undefined });
  });

  it("gives the same answer as REST for the same rows, with typed or raw inputs, typed or raw outputs", async () => {
    const rest = (await api.post("/v2/models/penguins/versions/1/infer", v2Body(ROWS))).body;
    const expected = Object.fromEntries(rest.outputs.map((o: Message) => [o.name, o.data]));
    expect(expected.label).toEqual(["Adelie", "Gentoo", "Adelie", "Gentoo"]);
    const requests = [
      inferRequest("penguins", ROWS, { model_version: "1" }),
      rawRequest("penguins", ROWS, { model_version: "1" }),
      inferRequest("penguins", ROWS, {
        model_version: "1",
        parameters: { binary_data_output: { bool_param: true } },
      }),
      rawRequest("penguins", ROWS, {
        model_version: "1",
        outputs: [
          { name: "label", parameters: { binary_data: { bool_param: true } } },
          { name: "probabilities" },
        ],
      }),
    ];
    for (const [i, request] of requests.entries()) {
      const { response, error } = await client.call("ModelInfer", request);
      expect(error, `request ${i}`).toBeUndefined();
      expect(response.model_name).toBe("penguins");
      expect(response.model_version).toBe("1");
      expect(response.raw_output_contents.length > 0, `request ${i} raw output`).toBe(i >= 2);
      expect(values(response, "label")).toEqual(expected.label);
      expect(values(response, "probabilities")).toEqual(expected.probabilities);
      const asked = i < 3 ? [["prediction_id", "BYTES", [4]]] : [];
      expect(response.outputs.map((o: Message) => [o.name, o.datatype, o.shape])).toEqual([
        ["label", "BYTES", [4]],
        ["probabilities", "FP32", [4, 3]],
        ...asked,
      ]);
    }
  });

  it("issues prediction ids the REST feedback route accepts", async () => {
    const { response, error } = await client.call(
      "ModelInfer",
      inferRequest("penguins", ROWS.slice(0, 2), {
        model_version: "1",
        parameters: { binary_data_output: { bool_param: true } },
      }),
    );
    expect(error).toBeUndefined();
    const ids = values(response, "prediction_id");
    expect(new Set(ids).size).toBe(2);
    const feedback = await api.post("/v2/models/penguins/versions/1/feedback", {
      feedback: [
        { prediction_id: ids[0], label: "Adelie" },
        { prediction_id: ids[1], label: "Gentoo" },
      ],
    });
    expect(feedback).toEqual({ status: 200, body: { accepted: 2, rejected: [] } });
  });

  it("returns only the outputs asked for, echoes the id, and picks the latest version when none is named", async () => {
    const { response } = await client.call(
      "ModelInfer",
      inferRequest("penguins", [withoutSex(GENTOO_V1)], { id: "req-7", outputs: [{ name: "label" }] }),
    );
    expect(response.id).toBe("req-7");
    expect(response.model_version).toBe("2");
    expect(response.outputs.map((o: Message) => o.name)).toEqual(["label"]);
    expect(values(response, "label")).toEqual(["Gentoo"]);
  });
});

describe("errors", () => {
  const valid = () => inferRequest("penguins", [ADELIE_V1], { model_version: "1" });
  const withInput = (name: string, change: (input: Message) => Message) => {
    const request = valid();
    request.inputs = request.inputs.map((i: Message) => (i.name === name ? change(i) : i));
    return request;
  };
  const cases: [string, Message, status, RegExp][] = [
    ["unknown model", inferRequest("nope", [ADELIE_V1]), status.NOT_FOUND, /model "nope" not found/],
    ["unknown version", { ...valid(), model_version: "9" }, status.NOT_FOUND, /has no version "9"/],
    ["no model name", { ...valid(), model_name: "" }, status.NOT_FOUND, /model "" not found/],
    [
      "numeric datatype for a category",
      withInput("island", (i) => ({ ...i, datatype: "FP32", contents: { fp32_contents: [1] } })),
      status.INVALID_ARGUMENT,
      /datatype/,
    ],
    [
      "unknown datatype",
      withInput("bill_depth_mm", (i) => ({ ...i, datatype: "FLOAT32" })),
      status.INVALID_ARGUMENT,
      /datatype: must be one of/,
    ],
    [
      "shape and contents disagree",
      withInput("bill_length_mm", (i) => ({ ...i, shape: [2] })),
      status.INVALID_ARGUMENT,
      /needs 2 values, data has 1/,
    ],
    [
      "a second dimension",
      withInput("bill_depth_mm", (i) => ({ ...i, shape: [1, 2] })),
      status.INVALID_ARGUMENT,
      /shape must be \[N\] or \[N, 1\]/,
    ],
    [
      "a negative dimension",
      withInput("bill_depth_mm", (i) => ({ ...i, shape: [-1] })),
      status.INVALID_ARGUMENT,
      /shape/,
    ],
    [
      "an absurd dimension",
      withInput("bill_length_mm", (i) => ({ ...i, shape: [2 ** 62] })),
      status.INVALID_ARGUMENT,
      /at most 64 rows/,
    ],
    [
      "three dimensions",
      withInput("bill_depth_mm", (i) => ({ ...i, shape: [1, 1, 1] })),
      status.INVALID_ARGUMENT,
      /shape/,
    ],
    [
      "more rows than allowed",
      inferRequest("penguins", Array(MAX_BATCH_ROWS + 1).fill(ADELIE_V1), { model_version: "1" }),
      status.INVALID_ARGUMENT,
      /at most 64 rows/,
    ],
    [
      "values in the wrong contents field",
      withInput("bill_depth_mm", (i) => ({ ...i, contents: { fp64_contents: [18.7] } })),
      status.INVALID_ARGUMENT,
      /carries its values in fp32_contents, the request filled fp64_contents/,
    ],
    [
      "an infinite value",
      withInput("bill_depth_mm", (i) => ({ ...i, contents: { fp32_contents: [Number.POSITIVE_INFINITY] } })),
      status.INVALID_ARGUMENT,
      /must be number or null/,
    ],
    [
      "a category that is not UTF-8",
      withInput("island", (i) => ({ ...i, contents: { bytes_contents: [Buffer.from([0xff, 0xfe])] } })),
      status.INVALID_ARGUMENT,
      /not UTF-8/,
    ],
    [
      "a missing input",
      { ...valid(), inputs: valid().inputs.slice(1) },
      status.INVALID_ARGUMENT,
      /missing "bill_length_mm"/,
    ],
    [
      "an unknown output",
      { ...valid(), outputs: [{ name: "logits" }] },
      status.INVALID_ARGUMENT,
      /outputs\[0\]\.name/,
    ],
    [
      "raw and typed contents together",
      { ...valid(), raw_input_contents: valid().inputs.map(() => Buffer.alloc(4)) },
      status.INVALID_ARGUMENT,
      /must be empty when the request carries raw_input_contents/,
    ],
    [
      "raw contents for fewer inputs",
      {
        ...rawRequest("penguins", [ADELIE_V1], { model_version: "1" }),
        raw_input_contents: [Buffer.alloc(4)],
      },
      status.INVALID_ARGUMENT,
      /1 entries for 6 inputs/,
    ],
    [
      "raw FP32 content of a partial element",
      (() => {
        const r = rawRequest("penguins", [ADELIE_V1], { model_version: "1" });
        r.raw_input_contents[0] = Buffer.alloc(6);
        return r;
      })(),
      status.INVALID_ARGUMENT,
      /6 bytes is no whole number of FP32 elements/,
    ],
    [
      "raw BYTES element longer than its content",
      (() => {
        const r = rawRequest("penguins", [ADELIE_V1], { model_version: "1" });
        const island = r.inputs.findIndex((i: Message) => i.name === "island");
        r.raw_input_contents[island] = Buffer.from([200, 0, 0, 0, 65]);
        return r;
      })(),
      status.INVALID_ARGUMENT,
      /runs past the end/,
    ],
    [
      "a message over the limit",
      { ...valid(), id: "x".repeat(MAX_BODY_BYTES) },
      status.RESOURCE_EXHAUSTED,
      /message larger than max/i,
    ],
  ];

  it.each(cases)("%s", async (_what, request, code, details) => {
    const { error } = await client.call("ModelInfer", request);
    expect(error?.code, error?.details).toBe(code);
    expect(error?.details).toMatch(details);
  });

  it("answers UNAVAILABLE with a retry hint while a version is unloaded, and serves again after load", async () => {
    const version2 = { parameters: { version: "2" } };
    expect((await api.post("/v2/repository/models/penguins/unload", version2)).status).toBe(200);
    try {
      const request = inferRequest("penguins", [withoutSex(ADELIE_V1)], { model_version: "2" });
      const { error } = await client.call("ModelInfer", request);
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(error?.details).toMatch(/version "2" is unloaded/);
      expect(error?.metadata.get(RETRY_PUSHBACK_KEY)).toEqual(["5000"]);
      expect((await client.call("ModelReady", { name: "penguins", version: "2" })).response).toEqual({
        ready: false,
      });
    } finally {
      expect((await api.post("/v2/repository/models/penguins/load", version2)).status).toBe(200);
    }
    const again = await client.call("ModelInfer", inferRequest("penguins", [withoutSex(ADELIE_V1)]));
    expect(again.error).toBeUndefined();
  });
});

describe("metrics", () => {
  it("records each call in rpc.server.call.duration by method and status, and each inference in the model metrics", async () => {
    const method = `${INFERENCE_SERVICE}/ModelInfer`;
    const rpc = (code: string) => ({
      "rpc.method": method,
      "rpc.status_code": code,
      "rpc.system.name": "grpc",
    });
    const model = { [ATTR.model]: "penguins", [ATTR.version]: "1" };
    const before = await metrics.collect();
    for (let i = 0; i < 3; i++)
      await client.call("ModelInfer", inferRequest("penguins", ROWS, { model_version: "1" }));
    await client.call(
      "ModelInfer",
      inferRequest("penguins", [{ ...ADELIE_V1, island: 3 as unknown as string }], { model_version: "1" }),
    );
    await client.call("ModelInfer", inferRequest("nope", [ADELIE_V1]));
    const after = await metrics.collect();
    const delta = (name: string, attrs: Record<string, string>) =>
      total(after, name, attrs) - total(before, name, attrs);
    expect(delta("rpc.server.call.duration", rpc("OK"))).toBe(3);
    expect(delta("rpc.server.call.duration", rpc("INVALID_ARGUMENT"))).toBe(1);
    expect(delta("rpc.server.call.duration", rpc("NOT_FOUND"))).toBe(1);
    expect(delta(METRICS.inferenceDuration.name, { ...model, [ATTR.outcome]: "success" })).toBe(3);
    expect(delta(METRICS.inferenceDuration.name, { ...model, [ATTR.outcome]: "invalid_input" })).toBe(1);
    expect(delta(METRICS.rows.name, model)).toBe(3);
    const errorTyped = after.filter(
      (p) => p.name === "rpc.server.call.duration" && p.attributes["error.type"],
    );
    expect(errorTyped.map((p) => p.attributes["rpc.status_code"])).not.toContain("INVALID_ARGUMENT");
  });
});
