import { EventEmitter } from "node:events";
import type { Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";

/**
 * The SDK's AsyncLocalStorage context manager, except that binding an event emitter leaves it as it is.
 *
 * The HTTP instrumentation binds each request and response so that every listener later added to them runs
 * in the request's context; that wraps each of the dozen listeners Express, body-parser and Node add per
 * request, and cost about 290,000 instructions per request under callgrind, a quarter of the SDK's whole
 * cost here. The API needs none of it: handlers run inside the request's context and continue through
 * promises, which carry it, and the one continuation that starts from a stream event, the end of the JSON
 * body, is bound to its caller's async context by raw-body itself. `test/http/trace-context.test.ts` checks
 * that every span stays in its request's trace.
 */
export class RequestContextManager extends AsyncLocalStorageContextManager {
  override bind<T>(context: Context, target: T): T {
    return target instanceof EventEmitter ? target : super.bind(context, target);
  }
}
