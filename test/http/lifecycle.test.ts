import { once } from "node:events";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { poll, spawnApi } from "../support/api-process.js";
import { ADELIE_V1, v2Body } from "../support/penguins.js";

describe("process lifecycle", () => {
  it("refuses to start on invalid configuration, naming every bad setting", async () => {
    const api = spawnApi({ PORT: "eighty", MAX_BATCH_ROWS: "0", LOG_LEVEL: "loud" });
    await expect(api).rejects.toThrow(/exited before listening/);
    await expect(api).rejects.toThrow(/PORT must be integer/);
    await expect(api).rejects.toThrow(/MAX_BATCH_ROWS must be >= 1/);
    await expect(api).rejects.toThrow(/LOG_LEVEL must be equal to one of the allowed values/);
  });

  it("on SIGTERM stops accepting, finishes the request in flight, then exits 0", async () => {
    const api = await spawnApi();
    const body = JSON.stringify(v2Body([ADELIE_V1]));
    const socket = connect(api.port, "127.0.0.1");
    await once(socket, "connect");
    // Headers and half the body: the request is accepted and waiting for the rest when SIGTERM arrives.
    const half = Math.floor(body.length / 2);
    socket.write(
      `POST /v2/models/penguins/versions/1/infer HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
    );
    let response = "";
    socket.on("data", (chunk) => {
      response += chunk.toString();
    });
    api.child.kill("SIGTERM");
    await poll("the drain to start", () => api.logs.find((l) => String(l.msg).startsWith("shutting down")));

    const late = connect(api.port, "127.0.0.1");
    const [lateError] = (await once(late, "error")) as [NodeJS.ErrnoException];
    expect(lateError.code).toBe("ECONNREFUSED");

    socket.write(body.slice(half));
    await poll("the in-flight response", () => (response.includes('"model_name"') ? response : undefined));
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(await api.exited).toBe(0);
  });
});
