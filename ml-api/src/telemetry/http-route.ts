import { context } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";

/**
 * Sets the `http.route` the HTTP instrumentation records for the current request. Express reports a route's
 * path as written, and a literal colon has to be written escaped (`:name\:predict`), so the one route that
 * needs it names its template here instead. The metadata's context key is a symbol made by
 * @opentelemetry/core, so this works only while the HTTP instrumentation and this module share one copy of
 * that package: package.json pins it to the instrumentation's version, and a test checks the label.
 */
export function setHttpRoute(template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = template;
}
