import { context } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";

/**
 * Sets the `http.route` the HTTP instrumentation records for the current request. The API names its routes
 * itself instead of loading the Express instrumentation, whose per-layer wrapping cost more than it told
 * (its spans were all off). The metadata's context key is a symbol made by @opentelemetry/core, so this
 * works only while the HTTP instrumentation and this module share one copy of that package: package.json
 * pins it to the instrumentation's version, and a test checks the label on every route.
 */
export function setHttpRoute(template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = template;
}
