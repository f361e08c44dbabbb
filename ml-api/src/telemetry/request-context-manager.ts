import { EventEmitter } from "node:events";
import type { Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";

/**
 * The SDK's AsyncLocalStorage context manager, except that binding an event emitter leaves it as it is.
 *
 * SDK workaround. Saves: the HTTP instrumentation binds each request and response so that every listener
 * later added to them runs in the request's context, which wraps each of the dozen listeners Express,
 * body-parser and Node add per request; `npm run bench -- instructions` against a build with the stock
 * manager measures it (docs/performance.md, "SDK workarounds"). The API needs none of it: handlers run
 * inside the request's context and continue through promises, which carry it, and the one continuation
 * that starts from a stream event, the end of the JSON body, is bound to its caller's async context by
 * raw-body itself. `test/http/trace-context.test.ts` checks that every span stays in its request's trace.
 * Upstream: the binding answers open-telemetry/opentelemetry-js#1152 (listeners of body parsers losing
 * context); no issue asks to make it optional. Can go when the HTTP instrumentation stops binding emitters,
 * as its diagnostics_channel rewrite (open-telemetry/opentelemetry-js#4319) would, or when the bench shows
 * the stock manager costing no more.
 */
export class RequestContextManager extends AsyncLocalStorageContextManager {
  override bind<T>(context: Context, target: T): T {
    return target instanceof EventEmitter ? target : super.bind(context, target);
  }
}
