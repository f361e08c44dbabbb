/**
 * Errors as values: every failure a client can cause has a type, an HTTP status and a message that names
 * the field and the problem. Layers below HTTP throw these; the HTTP layer only renders them.
 */
const MAX_ECHO = 64;

/** Quotes a client-supplied string for an error message without echoing megabytes back. */
export function quote(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Stable machine-readable reason, used as a metric label, so it never carries user input. */
    readonly reason: string,
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
