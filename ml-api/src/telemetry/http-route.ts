import { context } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";

/**
 * Sets the `http.route` the HTTP instrumentation records for the current request. Express reports a route's
 * path as written, and a literal colon has to be written escaped (`:name\:predict`), so the one route that
 * needs it names its template here instead.
 */
export function setHttpRoute(template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = template;
}
