import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADELIE_V1, v2Body, withoutSex } from "../support/penguins.js";
import { scrape } from "../support/prometheus-text.js";
import { type ScrapedApi, seriesKeys, spawnScrapedApi } from "../support/scraped-api.js";

/**
 * A corpus of hostile requests against the API as production runs it (SDK loaded, metrics on a local
 * endpoint): no 5xx, no crash, every error a JSON message, and the second pass over the corpus adds no
 * metric series to what the first created.
 */
const MAX_BODY_BYTES = 65_536;
let api: ScrapedApi;

beforeAll(async () => {
  api = await spawnScrapedApi({
    LOG_LEVEL: "info",
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    OTEL_TRACES_EXPORTER: "none",
  });
});
afterAll(() => api.stop());

interface Hostile {
  what: string;
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

const V1 = "/v1/models/penguins:predict";
const V2 = "/v2/models/penguins/versions/1/infer";
const validV1 = JSON.stringify({ instances: [withoutSex(ADELIE_V1)] });
const validV2 = JSON.stringify(v2Body([ADELIE_V1]));

function corpus(): Hostile[] {
  const out: Hostile[] = [];
  for (const [path, valid] of [
    [V1, validV1],
    [V2, validV2],
  ] as const) {
    for (let cut = 1; cut < valid.length; cut += Math.ceil(valid.length / 25)) {
      out.push({ what: `truncated at ${cut}`, path, body: valid.slice(0, cut) });
    }
    for (const depth of [10, 1000, 30_000]) {
      out.push({
        what: `arrays nested ${depth} deep`,
        path,
        body: `${"[".repeat(depth)}${"]".repeat(depth)}`,
      });
      out.push({
        what: `objects nested ${depth} deep`,
        path,
        body: `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      });
    }
    for (const literal of [
      "NaN",
      "Infinity",
      "-Infinity",
      "1e309",
      "-1e309",
      "1e-400",
      "123456789012345678901234567890",
      "0x10",
      "undefined",
      "null",
    ]) {
      out.push({ what: `${literal} as a value`, path, body: valid.replace(/39\.1/, literal) });
      out.push({
        what: `${literal} as a shape`,
        path,
        body: valid.replace(/"shape":\[1\]/, `"shape":[${literal}]`),
      });
    }
    for (const swap of ['"39.1"', "true", "{}", "[]", "[39.1]", '{"value":39.1}']) {
      out.push({ what: `${swap} for a number`, path, body: valid.replace(/39\.1/, swap) });
    }
    for (const swap of ["3", "true", "null", "[]", '"FLOAT32"', '"fp32"']) {
      out.push({
        what: `${swap} for a datatype or category`,
        path,
        body: valid.replace(/"(FP32|Torgersen)"/, swap),
      });
    }
    out.push({ what: "body over the limit", path, body: `{"pad":"${"x".repeat(MAX_BODY_BYTES)}"}` });
    out.push({ what: "empty body", path, body: "" });
    out.push({ what: "body that is a string", path, body: '"instances"' });
    out.push({ what: "__proto__ keys", path, body: valid.replace("{", '{"__proto__":{"polluted":1},') });
    out.push({
      what: "constructor keys",
      path,
      body: valid.replace("{", '{"constructor":{"prototype":{}},'),
    });
    out.push({ what: "text/plain", path, body: valid, headers: { "content-type": "text/plain" } });
    out.push({ what: "no content type", path, body: valid, headers: { "content-type": "" } });
    out.push({
      what: "utf-16 charset",
      path,
      body: valid,
      headers: { "content-type": "application/json; charset=utf-16" },
    });
    out.push({
      what: "gzip garbage",
      path,
      body: Buffer.from("1f8b0800deadbeef", "hex"),
      headers: { "content-encoding": "gzip" },
    });
    out.push({ what: "unknown encoding", path, body: valid, headers: { "content-encoding": "zstd" } });
    out.push({ what: "binary body", path, body: Buffer.from([0, 255, 254, 1, 2, 3]) });
  }
  const names = [
    "..",
    "../..",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    "penguins%00",
    "%E0%A4%A",
    "ｐｅｎｇｕｉｎｓ",
    "a".repeat(2000),
    "penguins;drop",
    "%2F",
    "CON",
    "$(id)",
  ];
  for (const name of names) {
    out.push({
      what: `model name ${name.slice(0, 20)} (V1)`,
      path: `/v1/models/${name}:predict`,
      body: validV1,
    });
    out.push({
      what: `model name ${name.slice(0, 20)} (V2)`,
      path: `/v2/models/${name}/infer`,
      body: validV2,
    });
    out.push({
      what: `version ${name.slice(0, 20)}`,
      path: `/v2/models/penguins/versions/${name}/infer`,
      body: validV2,
    });
    out.push({ what: `load ${name.slice(0, 20)}`, path: `/v2/repository/models/${name}/load`, body: "" });
    out.push({ what: `ready ${name.slice(0, 20)}`, method: "GET", path: `/v2/models/${name}/ready` });
  }
  for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "POST"]) {
    for (const path of [
      "/",
      "/v1",
      "/v2/models",
      "/admin",
      "/.env",
      "/v1/models/penguins:explain",
      "/metrics",
      "//v2",
    ]) {
      out.push({
        what: `${method} ${path}`,
        method,
        path,
        ...(method === "GET" || method === "OPTIONS" ? {} : { body: "{}" }),
      });
    }
  }
  out.push({
    what: "many headers",
    path: V1,
    body: validV1,
    headers: Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`x-h${i}`, "v"])),
  });
  out.push({ what: "long header value", path: V1, body: validV1, headers: { "x-long": "v".repeat(8000) } });
  out.push({
    what: "hostile traceparent",
    path: V1,
    body: validV1,
    headers: { traceparent: "00-zzzz-yyyy-01" },
  });
  out.push({ what: "huge baggage", path: V1, body: validV1, headers: { baggage: "k=v,".repeat(1500) } });
  return out;
}

async function send(h: Hostile): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${api.port}${h.path}`, {
    method: h.method ?? "POST",
    headers: { "content-type": "application/json", ...h.headers },
    ...(h.body === undefined ? {} : { body: h.body as BodyInit }),
  });
  return { status: res.status, body: await res.text() };
}

/** Raw HTTP a fetch client cannot send: what comes back, or "closed" when the server hung up. */
function raw(request: string | Buffer, pauseMs = 0, rest = ""): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(api.port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("error", () => resolve(data || "closed"));
    socket.on("close", () => resolve(data || "closed"));
    socket.write(request);
    if (rest) setTimeout(() => socket.end(rest), pauseMs);
    else socket.end();
  });
}

describe("hostile input", () => {
  it("gets a 4xx JSON error or a valid answer for every request of the corpus, twice, with no new series", async () => {
    const requests = corpus();
    expect(requests.length).toBeGreaterThanOrEqual(200);
    let firstPass: string[] = [];
    for (let pass = 1; pass <= 2; pass++) {
      for (const h of requests) {
        const { status, body } = await send(h);
        expect(status, `${h.what}: ${body.slice(0, 200)}`).toBeLessThan(500);
        // A success may be plain text (Express answers OPTIONS with the allowed methods); an error is JSON.
        if (status >= 400) expect((JSON.parse(body) as { error?: string }).error, h.what).toMatch(/\S/);
      }
      const keys = seriesKeys(await scrape(api.metricsUrl), ["http_server_", "inferwatch_"]);
      if (pass === 1) firstPass = keys;
      else expect(keys).toEqual(firstPass);
    }
    console.log(
      `[hostile] ${requests.length} requests x 2 passes: no 5xx, every error JSON, ${firstPass.length} series both times`,
    );
  });

  it("survives HTTP a client library would not send, and keeps serving", async () => {
    const head = (extra: string) =>
      `POST ${V1} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}`;
    const answers = await Promise.all([
      raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`),
      raw(head(`Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}`)),
      raw(head(`Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`)),
      raw(head(`Content-Length: 100\r\n\r\n{"instances":`)),
      raw("GARBAGE\r\n\r\n"),
      raw(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])),
      raw(head(`Content-Length: ${validV1.length}\r\n\r\n${validV1.slice(0, 10)}`), 300, validV1.slice(10)),
    ]);
    for (const answer of answers)
      expect(answer === "closed" || !/^HTTP\/1\.1 5\d\d/.test(answer), answer).toBe(true);
    expect(answers.at(-1)).toMatch(/^HTTP\/1\.1 200 OK/);
    expect((await send({ what: "after", path: V1, body: validV1 })).status).toBe(200);
    expect(api.child.exitCode).toBeNull();
  });
});
