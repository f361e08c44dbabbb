import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1, v2Body, withoutSex } from "../support/penguins.js";

const MAX_BODY_BYTES = 4096;
const MAX_BATCH_ROWS = 8;

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    MAX_BATCH_ROWS: String(MAX_BATCH_ROWS),
  });
});
afterAll(() => api.stop());

/** V1 always serves the latest version, 2, whose signature has no `sex`. */
const V1 = "/v1/models/penguins:predict";
const LATEST = withoutSex(ADELIE_V1);
const V2 = "/v2/models/penguins/versions/1/infer";
const v1With = (patch: Record<string, unknown>) => ({ instances: [{ ...LATEST, ...patch }] });
function v2With(index: number, patch: Record<string, unknown>) {
  const body = v2Body([ADELIE_V1]);
  body.inputs[index] = { ...body.inputs[index], ...patch } as (typeof body.inputs)[number];
  return body;
}

interface Case {
  what: string;
  path: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  error: RegExp;
}

const cases: Case[] = [
  { what: "malformed JSON", path: V1, body: '{"instances": [', status: 400, error: /malformed JSON/ },
  { what: "NaN literal", path: V1, body: '{"instances": [[NaN]]}', status: 400, error: /malformed JSON/ },
  {
    what: "a number too large for JSON doubles (Infinity)",
    path: V1,
    body: JSON.stringify(v1With({ bill_length_mm: 1 })).replace(
      '"bill_length_mm":1',
      '"bill_length_mm":1e400',
    ),
    status: 400,
    error: /instances\[0\]\.bill_length_mm: must be number or null/,
  },
  {
    what: "a number beyond float32",
    path: V1,
    body: v1With({ body_mass_g: 1e39 }),
    status: 400,
    error: /instances\[0\]\.body_mass_g: must be <=/,
  },
  {
    what: "wrong content type",
    path: V1,
    body: "instances=1",
    headers: { "content-type": "text/plain" },
    status: 415,
    error: /Content-Type must be application\/json/,
  },
  {
    what: "a body over the limit",
    path: V1,
    body: { instances: [LATEST], pad: "x".repeat(MAX_BODY_BYTES) },
    status: 413,
    error: /larger than the limit of 4096 bytes/,
  },
  { what: "no body", path: V1, body: "", status: 400, error: /a JSON body is required/ },
  {
    what: "too many rows (V1)",
    path: V1,
    body: { instances: Array(MAX_BATCH_ROWS + 1).fill([39, 18, 180, 3700, "Dream"]) },
    status: 400,
    error: /instances: must NOT have more than 8 items/,
  },
  {
    what: "no instances",
    path: V1,
    body: { instances: [] },
    status: 400,
    error: /instances: must NOT have fewer/,
  },
  {
    what: "instances missing",
    path: V1,
    body: { rows: [] },
    status: 400,
    error: /body: missing "instances"/,
  },
  {
    what: "a missing feature",
    path: V1,
    body: { instances: [{ ...LATEST, body_mass_g: undefined }] },
    status: 400,
    error: /instances\[0\]: missing "body_mass_g"/,
  },
  {
    what: "an extra feature",
    path: V1,
    body: v1With({ wing_span_mm: 1 }),
    status: 400,
    error: /instances\[0\]: unknown field "wing_span_mm"/,
  },
  {
    what: "a string where a number belongs",
    path: V1,
    body: v1With({ flipper_length_mm: "181" }),
    status: 400,
    error: /instances\[0\]\.flipper_length_mm: must be number or null/,
  },
  {
    what: "a number where a category belongs",
    path: V1,
    body: v1With({ island: 3 }),
    status: 400,
    error: /instances\[0\]\.island: must be string or null/,
  },
  {
    what: "an array instance of the wrong length",
    path: V1,
    body: { instances: [[39, 18, 180]] },
    status: 400,
    error: /instances\[0\]: must NOT have fewer than 5 items/,
  },
  {
    what: "an instance that is neither object nor array",
    path: V1,
    body: { instances: [42] },
    status: 400,
    error: /instances\[0\]: must be object/,
  },
  {
    what: "a body that is not an object",
    path: V1,
    body: "[1, 2]",
    status: 400,
    error: /body: must be object/,
  },
  { what: "V2 without inputs", path: V2, body: { id: "1" }, status: 400, error: /body: missing "inputs"/ },
  {
    what: "V2 unknown input",
    path: V2,
    body: v2With(0, { name: "wing_span_mm" }),
    status: 400,
    error: /inputs\[0\]\.name: must be one of "bill_length_mm"/,
  },
  {
    what: "V2 missing input",
    path: V2,
    body: { inputs: v2Body([ADELIE_V1]).inputs.slice(1) },
    status: 400,
    error: /inputs: missing "bill_length_mm"/,
  },
  {
    what: "V2 input given twice",
    path: V2,
    body: { inputs: [...v2Body([ADELIE_V1]).inputs.slice(0, 5), v2Body([ADELIE_V1]).inputs[0]] },
    status: 400,
    error: /inputs\["bill_length_mm"\]: given more than once/,
  },
  {
    what: "V2 wrong datatype for a number",
    path: V2,
    body: v2With(0, { datatype: "BYTES" }),
    status: 400,
    error: /inputs\[0\]\.datatype: must be one of "FP32", "FP64"/,
  },
  {
    what: "V2 unknown datatype",
    path: V2,
    body: v2With(0, { datatype: "FLOAT" }),
    status: 400,
    error: /inputs\[0\]\.datatype: must be one of "FP32", "FP64"/,
  },
  {
    what: "V2 wrong datatype for a category",
    path: V2,
    body: v2With(4, { datatype: "FP32", data: [1] }),
    status: 400,
    error: /inputs\[4\]\.datatype: must be one of "BYTES"/,
  },
  {
    what: "V2 shape and data disagree",
    path: V2,
    body: v2With(0, { shape: [2] }),
    status: 400,
    error: /shape \[2\] needs 2 values, data has 1/,
  },
  {
    what: "V2 a second dimension other than 1",
    path: V2,
    body: v2With(0, { shape: [1, 3], data: [1, 2, 3] }),
    status: 400,
    error: /shape must be \[N\] or \[N, 1\], got \[1, 3\]/,
  },
  {
    what: "V2 inputs with different batch sizes",
    path: V2,
    body: v2With(1, { shape: [2], data: [18, 19] }),
    status: 400,
    error: /has 2 rows but an earlier input has 1/,
  },
  {
    what: "V2 a negative dimension",
    path: V2,
    body: v2With(0, { shape: [-1] }),
    status: 400,
    error: /inputs\[0\]\.shape\[0\]: must be >= 0/,
  },
  {
    what: "V2 a fraction in an integer tensor",
    path: V2,
    body: v2With(0, { datatype: "INT32", data: [39.5] }),
    status: 400,
    error: /datatype INT32 needs integers/,
  },
  {
    what: "V2 a string in a number tensor",
    path: V2,
    body: v2With(0, { data: ["39"] }),
    status: 400,
    error: /inputs\[0\]\.data\[0\]: must be number or null/,
  },
  {
    what: "V2 too many rows",
    path: V2,
    body: v2Body(Array(MAX_BATCH_ROWS + 1).fill(ADELIE_V1)),
    status: 400,
    error: /at most 8 rows per request, got 9/,
  },
  {
    what: "V2 an output that does not exist",
    path: V2,
    body: { ...v2Body([ADELIE_V1]), outputs: [{ name: "logits" }] },
    status: 400,
    error: /outputs\[0\]\.name: must be one of "label", "probabilities"/,
  },
  {
    what: "an unknown model (V1)",
    path: "/v1/models/zebra:predict",
    body: v1With({}),
    status: 404,
    error: /model "zebra" not found/,
  },
  {
    what: "an unknown model (V2)",
    path: "/v2/models/zebra/infer",
    body: v2Body([ADELIE_V1]),
    status: 404,
    error: /model "zebra" not found/,
  },
  {
    what: "an unknown version",
    path: "/v2/models/penguins/versions/9/infer",
    body: v2Body([ADELIE_V1]),
    status: 404,
    error: /model "penguins" has no version "9"/,
  },
  {
    what: "an unknown route",
    path: "/v3/predict",
    body: {},
    status: 404,
    error: /no route for POST "\/v3\/predict"/,
  },
];

describe("bad input gets a 4xx JSON error naming the field and the problem", () => {
  it.each(cases)("$what -> $status", async ({ path, body, headers, status, error }) => {
    const res = await api.post(path, body, headers);
    expect(res.body).toEqual({ error: expect.stringMatching(error) });
    expect(res.status).toBe(status);
  });

  it("answers unknown GET routes and unknown models with 404 JSON", async () => {
    expect(await api.get("/nope")).toEqual({ status: 404, body: { error: 'no route for GET "/nope"' } });
    expect((await api.get("/v2/models/zebra")).status).toBe(404);
    expect((await api.get("/v2/models/zebra/ready")).status).toBe(404);
    expect((await api.get("/v2/models/penguins/versions/7")).status).toBe(404);
  });

  it("answers a malformed percent-escape in a path parameter with 400", async () => {
    const res = await api.get("/v2/models/%E0%A4%A/ready");
    expect(res).toEqual({ status: 400, body: { error: expect.stringMatching(/Failed to decode param/) } });
  });

  it("answers a gzip body that does not decompress with 400", async () => {
    const res = await api.post("/v1/models/penguins:predict", Buffer.from("1f8b0800deadbeef", "hex"), {
      "content-encoding": "gzip",
    });
    expect(res).toEqual({ status: 400, body: { error: expect.stringMatching(/body: does not decompress/) } });
  });

  it("still serves after every bad request above", async () => {
    const res = await api.post(V2, v2Body([ADELIE_V1]));
    expect(res.status).toBe(200);
  });
});
