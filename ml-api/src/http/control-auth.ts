import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { AuthFailure } from "../../../contract/metric-catalogue.js";
import { ApiError } from "../errors.js";

/** Where refused writes are counted; the model metrics implement it. */
export interface AuthFailures {
  recordAuthFailure(reason: AuthFailure): void;
}

const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: Buffer | string) => createHash("sha256").update(value).digest();

/**
 * Guards the routes that change what the stack serves or believes (feedback, repository load and unload),
 * as Triton guards its restricted APIs: a bearer token from a file. No token: 401; a wrong one: 403.
 * Comparing digests keeps the comparison constant-time whatever the length sent. `token` undefined means
 * INFERWATCH_CONTROL_AUTH=off: every request passes.
 */
export function controlAuth(token: Buffer | undefined, failures: AuthFailures): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const sent = BEARER.exec(req.headers.authorization ?? "")?.[1];
    if (sent === undefined) {
      failures.recordAuthFailure("missing");
      res.setHeader("WWW-Authenticate", 'Bearer realm="inferwatch control"');
      return next(
        new ApiError(
          401,
          "this route needs Authorization: Bearer <control token> (INFERWATCH_CONTROL_TOKEN_FILE)",
          "unauthenticated",
        ),
      );
    }
    if (!timingSafeEqual(digest(sent), expected)) {
      failures.recordAuthFailure("wrong");
      return next(new ApiError(403, "the bearer token is not the control token", "forbidden"));
    }
    next();
  };
}
