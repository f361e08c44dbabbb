import express, { type RequestHandler } from "express";
import { ApiError, InvalidInputError } from "../errors.js";

const JSON_TYPES = ["application/json", "application/*+json"];

/**
 * Parses a JSON body with the limits a client can see: 415 for anything but JSON, 413 over the size limit,
 * 400 for malformed JSON. `optional` routes (repository control) also accept no body at all.
 */
export function jsonBody(limitBytes: number, { optional = false } = {}): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: false, type: JSON_TYPES });
  return (req, res, next) => {
    const hasBody =
      req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (!hasBody) {
      if (optional) return next();
      return next(new InvalidInputError("body: a JSON body is required", "missing_field"));
    }
    if (!req.is(JSON_TYPES)) {
      return next(new ApiError(415, "Content-Type must be application/json", "unsupported_media_type"));
    }
    parse(req, res, (error?: unknown) =>
      next(error === undefined ? undefined : bodyParserError(error, limitBytes)),
    );
  };
}

/** body-parser's errors carry a `type`; turn each into the client-facing error it stands for. */
function bodyParserError(error: unknown, limitBytes: number): unknown {
  const type = (error as { type?: string }).type;
  switch (type) {
    case "entity.too.large":
      return new ApiError(413, `body: larger than the limit of ${limitBytes} bytes`, "body_too_large");
    case "entity.parse.failed":
      return new InvalidInputError(`body: malformed JSON (${(error as Error).message})`, "malformed_json");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(415, `body: ${(error as Error).message}`, "unsupported_media_type");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new InvalidInputError(`body: ${(error as Error).message}`, "malformed_json");
    default:
      // A compressed body that does not decompress: zlib's errors carry Z_* codes and no HTTP status.
      if (String((error as { code?: unknown }).code).startsWith("Z_")) {
        return new InvalidInputError(
          `body: does not decompress (${(error as Error).message})`,
          "malformed_json",
        );
      }
      return error;
  }
}
