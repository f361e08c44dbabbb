import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { credentials, loadPackageDefinition, status } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as HEALTH_PROTO } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INFERENCE_SERVICE } from "../../ml-api/src/grpc/service-definition.js";
import type { Message } from "../support/grpc-client.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";

/** The reflection service's own proto, shipped in @grpc/reflection. */
const REFLECTION_PROTO = join(
  dirname(createRequire(import.meta.url).resolve("@grpc/reflection")),
  "../proto/grpc/reflection/v1/reflection.proto",
);
const load = (path: string) =>
  loadPackageDefinition(loadSync(path, { keepCase: true, defaults: true, enums: String })) as Message;

let api: TestApi;
let health: Message;
let reflection: Message;
beforeAll(async () => {
  api = await startTestApi();
  const address = `127.0.0.1:${api.grpcPort}`;
  health = new (load(HEALTH_PROTO).grpc.health.v1.Health)(address, credentials.createInsecure());
  reflection = new (load(REFLECTION_PROTO).grpc.reflection.v1.ServerReflection)(
    address,
    credentials.createInsecure(),
  );
});
afterAll(async () => {
  health.close();
  reflection.close();
  await api.stop();
});

const check = (service: string): Promise<{ code?: number; status?: string }> =>
  new Promise((resolve) =>
    health.Check({ service }, (error: Message, response: Message) =>
      resolve(error ? { code: error.code } : { status: response.status }),
    ),
  );

/** Resolves with the first status a Watch stream reports that `accept` takes. */
function watchUntil(stream: Message, accept: (s: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no accepted status within ${timeoutMs} ms`)), timeoutMs);
    const onData = (message: Message) => {
      if (!accept(message.status)) return;
      clearTimeout(timer);
      stream.off("data", onData);
      resolve(message.status);
    };
    stream.on("data", onData);
  });
}

describe("grpc.health.v1.Health", () => {
  it("answers Check for the server and the inference service, NOT_FOUND for others", async () => {
    expect(await check("")).toEqual({ status: "SERVING" });
    expect(await check(INFERENCE_SERVICE)).toEqual({ status: "SERVING" });
    expect(await check("no.such.Service")).toEqual({ code: status.NOT_FOUND });
  });

  it("streams NOT_SERVING to Watch while a model version is unloaded, and SERVING once it is back", async () => {
    const stream = health.Watch({ service: "" });
    stream.on("error", () => undefined);
    try {
      expect(await watchUntil(stream, (s) => s === "SERVING")).toBe("SERVING");
      const version = { parameters: { version: "1" } };
      expect((await api.post("/v2/repository/models/penguins/unload", version)).status).toBe(200);
      expect(await watchUntil(stream, (s) => s === "NOT_SERVING")).toBe("NOT_SERVING");
      expect((await api.post("/v2/repository/models/penguins/load", version)).status).toBe(200);
      expect(await watchUntil(stream, (s) => s === "SERVING")).toBe("SERVING");
    } finally {
      stream.cancel();
    }
  });
});

describe("server reflection", () => {
  const ask = (request: Message): Promise<Message> =>
    new Promise((resolve, reject) => {
      const call = reflection.ServerReflectionInfo();
      call.on("data", (response: Message) => {
        resolve(response);
        call.end();
      });
      call.on("error", reject);
      call.write(request);
    });

  it("lists the inference and health services, as grpcurl asks", async () => {
    const response = await ask({ list_services: "" });
    const names = response.list_services_response.service.map((s: Message) => s.name);
    expect(names).toEqual(expect.arrayContaining([INFERENCE_SERVICE, "grpc.health.v1.Health"]));
  });

  it("describes the inference service's file by symbol", async () => {
    const response = await ask({ file_containing_symbol: INFERENCE_SERVICE });
    const files: Buffer[] = response.file_descriptor_response.file_descriptor_proto;
    expect(files.length).toBeGreaterThan(0);
    expect(Buffer.concat(files).toString("latin1")).toContain("GRPCInferenceService");
  });
});
