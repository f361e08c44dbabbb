import { type Context, type SpanContext, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeToMicroseconds } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";

/** Which finished traces the production profile exports. */
export interface KeepRule {
  /** Share of the traces neither failed nor slow that are exported, chosen by trace id. */
  ratio: number;
  /** A trace whose local root span lasted this long or longer is exported. */
  slowSeconds: number;
}

/** Spans that ended before their local root, and whether any of them failed. */
interface Waiting {
  spans: ReadableSpan[];
  failed: boolean;
}

/**
 * Exports a trace, through `next` (the batch span processor), only if one of its spans failed, its local
 * root span was slow, or its trace id falls in `ratio`; the rest are recorded and dropped here, before the
 * export, whose serialisation is most of what a span costs the API.
 *
 * The choice is made when the local root span (the HTTP server span) ends, since only then is the
 * request's duration known: a sampler decides when a span starts. Its descendants end first and wait here,
 * each under its parent's span context (a child's `parentSpanContext` is the parent's own object), moving
 * up to the grandparent's when the parent ends, until the root decides for all of them. Nothing else holds
 * them: the children of a root that never ends go with its span context, and a span ending after its root
 * has decided is dropped. Counts never come from traces: request and inference counts are the SDK's
 * metrics, exported in full whatever is kept here.
 */
export class TraceKeeper implements SpanProcessor {
  private readonly waiting = new WeakMap<SpanContext, Waiting>();
  private readonly ratioBound: number;

  constructor(
    private readonly next: SpanProcessor,
    private readonly rule: KeepRule,
  ) {
    this.ratioBound = rule.ratio * 2 ** 32;
  }

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const own = span.spanContext();
    const failed = span.status.code === SpanStatusCode.ERROR;
    const waiting = this.waiting.get(own);
    const parent = span.parentSpanContext;
    if (parent && !parent.isRemote) {
      const siblings = this.waiting.get(parent);
      if (siblings) {
        siblings.spans.push(span);
        if (waiting) siblings.spans.push(...waiting.spans);
        siblings.failed ||= failed || waiting?.failed === true;
      } else if (waiting) {
        waiting.spans.push(span);
        waiting.failed ||= failed;
        this.waiting.set(parent, waiting);
      } else this.waiting.set(parent, { spans: [span], failed });
      return;
    }
    const keep =
      failed ||
      waiting?.failed ||
      hrTimeToMicroseconds(span.duration) >= this.rule.slowSeconds * 1e6 ||
      lowBits(own.traceId) < this.ratioBound;
    if (!keep) return;
    for (const descendant of waiting?.spans ?? []) this.next.onEnd(descendant);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/**
 * The low 32 bits of a W3C trace id, which are random, so comparing them picks `ratio` of the traces, the
 * same ones in every replica that applies the same ratio.
 */
function lowBits(traceId: string): number {
  return Number.parseInt(traceId.slice(-8), 16);
}
