import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Prediction ids that carry what joining a label needs, so any replica holding the shared key can join a
 * label to its prediction without a database, also after a restart: the model, the version, what was
 * predicted (a class index or a value), when, and a random nonce, authenticated with an HMAC. The id is
 * signed, not encrypted: its holder can read the prediction it was issued with, which the response told
 * them anyway; it carries nothing of the request's features.
 *
 * Layout (then base64url): format byte, issue time in ms (6 bytes), nonce (8 bytes), kind byte (0 class,
 * 1 value), class index (2 bytes) or value (float64), model and version (2-byte length, UTF-8 each), and
 * the first MAC_BYTES of HMAC-SHA256 over everything before it.
 */

const FORMAT = 1;
const NONCE_BYTES = 8;
/** 128 bits: forging one id takes about 2^128 guesses. */
const MAC_BYTES = 16;
const HEADER_BYTES = 1 + 6 + NONCE_BYTES + 1;
/** The shortest key accepted: HMAC-SHA256 gains nothing from more than its 32-byte block of entropy. */
export const MIN_KEY_BYTES = 32;

export type Predicted = { kind: "class"; index: number } | { kind: "value"; value: number };

/** What a verified id says about its prediction. */
export interface PredictionClaim {
  model: string;
  version: string;
  issuedAtMs: number;
  predicted: Predicted;
  /** Unique per id (nonce and MAC): the key a replica deduplicates labels by. */
  key: string;
}

export class PredictionIds {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (key.length < MIN_KEY_BYTES) throw new RangeError(`the key needs at least ${MIN_KEY_BYTES} bytes`);
  }

  /** A fresh random key, for a process that was given none. */
  static randomKey(): Buffer {
    return randomBytes(MIN_KEY_BYTES);
  }

  /** One id per predicted row, all with the same issue time; one call to the random source per request. */
  issue(model: string, version: string, predicted: readonly Predicted[]): string[] {
    const m = Buffer.from(model);
    const v = Buffer.from(version);
    const tail = Buffer.alloc(4 + m.length + v.length);
    tail.writeUInt16BE(m.length, 0);
    m.copy(tail, 2);
    tail.writeUInt16BE(v.length, 2 + m.length);
    v.copy(tail, 4 + m.length);
    const nonces = randomBytes(NONCE_BYTES * predicted.length);
    const issuedAt = this.now();
    return predicted.map((p, i) => {
      const body = Buffer.alloc(HEADER_BYTES + (p.kind === "class" ? 2 : 8) + tail.length);
      body[0] = FORMAT;
      body.writeUIntBE(issuedAt, 1, 6);
      nonces.copy(body, 7, i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      let at = HEADER_BYTES;
      if (p.kind === "class") {
        body[at - 1] = 0;
        at = body.writeUInt16BE(p.index, at);
      } else {
        body[at - 1] = 1;
        at = body.writeDoubleBE(p.value, at);
      }
      tail.copy(body, at);
      return Buffer.concat([body, this.mac(body)]).toString("base64url");
    });
  }

  /** The claim of a genuine id; undefined for anything this key did not issue (malformed or forged). */
  verify(id: string): PredictionClaim | undefined {
    const bytes = Buffer.from(id, "base64url");
    if (bytes.length < HEADER_BYTES + 2 + 4 + MAC_BYTES || bytes.toString("base64url") !== id)
      return undefined;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    const mac = bytes.subarray(bytes.length - MAC_BYTES);
    if (!timingSafeEqual(mac, this.mac(body)) || body[0] !== FORMAT) return undefined;
    const kind = body[HEADER_BYTES - 1];
    let at = HEADER_BYTES;
    let predicted: Predicted;
    if (kind === 0) {
      predicted = { kind: "class", index: body.readUInt16BE(at) };
      at += 2;
    } else {
      predicted = { kind: "value", value: body.readDoubleBE(at) };
      at += 8;
    }
    const modelBytes = body.readUInt16BE(at);
    const model = body.toString("utf8", at + 2, at + 2 + modelBytes);
    at += 2 + modelBytes;
    const version = body.toString("utf8", at + 2, at + 2 + body.readUInt16BE(at));
    return {
      model,
      version,
      issuedAtMs: body.readUIntBE(1, 6),
      predicted,
      key: bytes.toString("base64url", 7, 7 + NONCE_BYTES) + mac.toString("base64url"),
    };
  }

  private mac(body: Buffer): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
