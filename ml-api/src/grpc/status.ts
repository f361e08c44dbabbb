import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { RPC_SERVER_ERROR_STATUSES } from "../../../contract/rpc-names.js";
import { ApiError } from "../errors.js";

/**
 * The gRPC status of each HTTP status the API's errors carry. A client's mistake never becomes INTERNAL:
 * only an error that is no ApiError (a fault of the server itself) does.
 */
const BY_HTTP_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  404: status.NOT_FOUND,
  413: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
};

/** The standard gRPC retry hint: how long a client should wait before retrying, in milliseconds. */
export const RETRY_PUSHBACK_KEY = "grpc-retry-pushback-ms";

/** The codes of RPC_SERVER_ERROR_STATUSES: errors that blame the server. */
export const SERVER_ERROR_CODES: readonly status[] = RPC_SERVER_ERROR_STATUSES.map((name) => status[name]);

/** A status code's name (`INVALID_ARGUMENT`), as metrics and the semantic conventions write it. */
export function statusName(code: status): string {
  return status[code] ?? "UNKNOWN";
}

/** The error as the gRPC status a client receives; UNAVAILABLE carries the retry hint. */
export function toServiceError(error: unknown): Partial<ServiceError> & { code: status } {
  if (!(error instanceof ApiError)) return { code: status.INTERNAL, details: "internal server error" };
  const code =
    BY_HTTP_STATUS[error.status] ?? (error.status < 500 ? status.FAILED_PRECONDITION : status.INTERNAL);
  const metadata = new Metadata();
  if (error.retryAfterSeconds !== undefined) {
    metadata.set(RETRY_PUSHBACK_KEY, String(error.retryAfterSeconds * 1000));
  }
  return { code, details: error.message, metadata };
}
