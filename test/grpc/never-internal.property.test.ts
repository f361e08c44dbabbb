import { type Client, credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferenceService } from "../../ml-api/src/grpc/service-definition.js";
import { SERVER_ERROR_CODES } from "../../ml-api/src/grpc/status.js";
import { V2_DATATYPES } from "../../ml-api/src/serving/v2-tensors.js";
import { inferRequest, type Message } from "../support/grpc-client.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";
import { ADELIE_V1 } from "../support/penguins.js";

/**
 * No message a client can send makes the gRPC service blame itself: random bytes, random messages and
 * valid messages with bytes flipped, cut or inserted get OK or a client-error status, never INTERNAL,
 * UNKNOWN or any other code the server answers for its own faults.
 */
let api: TestApi;
let raw: Client;
beforeAll(async () => {
  api = await startTestApi({ MAX_BODY_BYTES: "65536" });
  // A client that sends the bytes it is given as the message, so nothing is checked before the server.
  const Raw = makeGenericClientConstructor({}, "Raw");
  raw = new Raw(`127.0.0.1:${api.grpcPort}`, credentials.createInsecure());
});
afterAll(async () => {
  raw.close();
  await api.stop();
});

type Method = { path: string; requestSerialize(value: Message): Buffer };
const METHODS = Object.entries(inferenceService as Record<string, Method>);
const INFER = inferenceService.ModelInfer as Method;
const RUNS = { numRuns: 300 };

function send(path: string, bytes: Buffer): Promise<ServiceError | null> {
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    raw.makeUnaryRequest(path, identity, identity, bytes, (error) => resolve(error));
  });
}

async function expectNoServerError(path: string, bytes: Buffer) {
  const error = await send(path, bytes);
  if (error) {
    expect(
      SERVER_ERROR_CODES,
      `${path} ${bytes.toString("hex").slice(0, 120)} -> ${error.details}`,
    ).not.toContain(error.code);
    expect(error.details).toMatch(/\S/);
  }
}

const validInfer = INFER.requestSerialize(
  inferRequest("penguins", [ADELIE_V1, ADELIE_V1], {
    model_version: "1",
    id: "1",
    outputs: [{ name: "label" }],
  }),
);

/** Random but well-formed ModelInfer messages: valid names and datatypes mixed with arbitrary ones. */
const tensorName = fc.oneof(fc.constantFrom(...Object.keys(ADELIE_V1)), fc.string({ maxLength: 20 }));
const datatype = fc.oneof(fc.constantFrom(...V2_DATATYPES), fc.string({ maxLength: 8 }));
const dims = fc.array(
  fc.oneof(fc.integer({ min: -3, max: 4 }), fc.constantFrom(2 ** 31, 2 ** 53, -(2 ** 53), 1024, 1025)),
  { maxLength: 4 },
);
const contents = fc.record(
  {
    bool_contents: fc.array(fc.boolean(), { maxLength: 4 }),
    int_contents: fc.array(fc.integer(), { maxLength: 4 }),
    int64_contents: fc.array(fc.maxSafeInteger(), { maxLength: 4 }),
    uint_contents: fc.array(fc.nat(), { maxLength: 4 }),
    fp32_contents: fc.array(fc.float(), { maxLength: 4 }),
    fp64_contents: fc.array(fc.double(), { maxLength: 4 }),
    bytes_contents: fc.array(fc.uint8Array({ maxLength: 12 }).map(Buffer.from), { maxLength: 4 }),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  {
    model_name: fc.oneof(fc.constant("penguins"), fc.string({ maxLength: 20 })),
    model_version: fc.constantFrom("", "1", "2", "3", "01", "-1"),
    id: fc.string({ maxLength: 300 }),
    inputs: fc.array(
      fc.record({ name: tensorName, datatype, shape: dims, contents }, { requiredKeys: ["name"] }),
      { maxLength: 8 },
    ),
    outputs: fc.array(fc.record({ name: fc.oneof(fc.constantFrom("label", "probabilities"), fc.string()) }), {
      maxLength: 3,
    }),
    raw_input_contents: fc.array(fc.uint8Array({ maxLength: 40 }).map(Buffer.from), { maxLength: 8 }),
  },
  { requiredKeys: ["model_name"] },
);

describe("no gRPC message makes the server answer with a server error", () => {
  it("random bytes, to every method", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 400 }), ([, method], bytes) =>
        expectNoServerError(method.path, Buffer.from(bytes)),
      ),
      RUNS,
    );
  });

  it("random well-formed ModelInfer messages", async () => {
    await fc.assert(
      fc.asyncProperty(message, (m) => expectNoServerError(INFER.path, INFER.requestSerialize(m))),
      { numRuns: 500 },
    );
  });

  it("a valid ModelInfer message with bytes flipped, cut or inserted", async () => {
    const edit = fc.oneof(
      fc.record({
        kind: fc.constant("flip" as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.nat({ max: 40 }) }),
      fc.record({
        kind: fc.constant("insert" as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let bytes = Buffer.from(validInfer);
        for (const { kind, at, value } of edits) {
          const i = at % Math.max(bytes.length, 1);
          if (kind === "flip") bytes[i] = value;
          else if (kind === "cut") bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + value)]);
          else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)]);
        }
        await expectNoServerError(INFER.path, bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("still serves afterwards", async () => {
    expect(await send(INFER.path, validInfer)).toBeNull();
  });
});
