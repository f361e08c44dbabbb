import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { ApiError, OverloadedError, quote } from "../errors.js";

/** Unknown routes answer in the same JSON shape as every other error. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, `no route for ${req.method} ${quote(req.path)}`, "unknown_route"));
};

/**
 * Express's router and body-parser mark client errors they raise themselves (a malformed percent-escape in
 * a path parameter, say) with a 4xx `status`; those are the client's mistake and keep it.
 */
function clientErrorStatus(error: unknown): number | undefined {
  const { status } = (error ?? {}) as { status?: unknown };
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

/** Renders every error as `{"error": "..."}`; only faults of the server itself become 5xx. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) {
      // Shed requests are counted by the metrics; a log line each would add cost exactly when there is none to spare.
      if (error.status >= 500 && !(error instanceof OverloadedError)) {
        logger.warn({ err: error, path: req.path }, "request failed");
      }
      if (error.retryAfterSeconds !== undefined)
        res.setHeader("Retry-After", String(error.retryAfterSeconds));
      res.status(error.status).json({ error: error.message });
      return;
    }
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      res.status(status).json({ error: `request: ${String((error as Error).message).slice(0, 200)}` });
      return;
    }
    logger.error({ err: error, path: req.path }, "unhandled error");
    res.status(500).json({ error: "internal server error" });
  };
}
