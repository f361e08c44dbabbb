/**
 * Errors as values: every failure a client can cause has a type, an HTTP status and a message that names
 * the field and the problem. Layers below HTTP throw these; the HTTP layer only renders them.
 */
const MAX_ECHO = 64;

/** Quotes a client-supplied string for an error message without echoing megabytes back. */
export function quote(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value);
}

/** Seconds a client is told to wait (`Retry-After`) before retrying a 503, unless the error says otherwise. */
const RETRY_AFTER_SECONDS = 5;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Stable machine-readable reason, used as a metric label, so it never carries user input. */
    readonly reason: string,
    /** The `Retry-After` of the response: every 503 has one. */
    readonly retryAfterSeconds: number | undefined = status === 503 ? RETRY_AFTER_SECONDS : undefined,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends ApiError {
  constructor(message: string, reason = "invalid_input") {
    super(400, message, reason);
  }
}

export class ModelNotFoundError extends ApiError {
  constructor(message: string) {
    super(404, message, "model_not_found");
  }
}

/** The model exists in the repository but is not loaded: a server-side condition, so 503, not 4xx. */
export class ModelUnavailableError extends ApiError {
  constructor(message: string) {
    super(503, message, "model_unavailable");
  }
}

/**
 * Too many inference requests in flight (MAX_INFLIGHT_REQUESTS): the request is shed at once rather than
 * queued behind the others, since ONNX Runtime runs on the event loop and a queue only adds latency. The
 * queue drains in milliseconds, so the client may retry after a second.
 */
export class OverloadedError extends ApiError {
  constructor(limit: number) {
    super(
      503,
      `server overloaded: ${limit} inference requests already in flight (MAX_INFLIGHT_REQUESTS); retry later`,
      "overloaded",
      1,
    );
  }
}
