import { connect, constants } from "node:http2";
import { describe, expect, it } from "vitest";
import { inferenceService } from "../../ml-api/src/grpc/service-definition.js";
import { poll, spawnApi } from "../support/api-process.js";
import { inferenceClient, inferRequest, type Message } from "../support/grpc-client.js";
import { ADELIE_V1 } from "../support/penguins.js";

const METHOD = inferenceService.ModelInfer as {
  path: string;
  requestSerialize(value: Message): Buffer;
  responseDeserialize(bytes: Buffer): Message;
};

/** A gRPC message frame: uncompressed flag, 4-byte big-endian length, the message. */
function frame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

describe("graceful drain over gRPC", () => {
  it("on SIGTERM finishes the call in flight, refuses new ones, then exits 0", async () => {
    const api = await spawnApi({ LOG_LEVEL: "info" });
    const grpcPort = Number(api.logs.find((l) => l.msg === "listening")?.grpcPort);
    const session = connect(`http://127.0.0.1:${grpcPort}`);
    const body = frame(
      METHOD.requestSerialize(inferRequest("penguins", [ADELIE_V1], { model_version: "1" })),
    );
    const call = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: METHOD.path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    let trailers: Record<string, unknown> | undefined;
    call.on("data", (chunk: Buffer) => chunks.push(chunk));
    call.on("trailers", (t) => {
      trailers = t;
    });
    const half = Math.floor(body.length / 2);
    await new Promise<void>((resolve) => call.write(body.subarray(0, half), () => resolve()));

    api.child.kill("SIGTERM");
    await poll("the drain to start", () => api.logs.find((l) => String(l.msg).startsWith("shutting down")));
    const late = inferenceClient(grpcPort, { "grpc.initial_reconnect_backoff_ms": 100 });
    const refused = await late.call("ServerLive", {});
    late.close();
    expect(refused.error?.code, "a call started after SIGTERM").toBeDefined();

    call.end(body.subarray(half));
    await poll("the in-flight answer", () => trailers);
    expect(trailers?.["grpc-status"]).toBe("0");
    const answer = METHOD.responseDeserialize(Buffer.concat(chunks).subarray(5));
    expect(answer.outputs[0].contents.bytes_contents.map(String)).toEqual(["Adelie"]);
    session.close();
    expect(await api.exited).toBe(0);
  });
});
