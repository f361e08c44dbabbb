import { type Context, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeToMicroseconds } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";

/** Which finished traces the production profile exports. */
export interface KeepRule {
  /** Share of the traces neither failed nor slow that are exported, chosen by trace id. */
  ratio: number;
  /** A trace whose local root span lasted this long or longer is exported. */
  slowSeconds: number;
}

/**
 * Exports a trace, through `next` (the batch span processor), only if one of its spans failed, its local
 * root span was slow, or its trace id falls in `ratio`; the rest are recorded and dropped here, before the
 * export, whose serialisation is most of what a span costs the API.
 *
 * The choice is made when the local root span (the HTTP server span) ends, since only then is the
 * request's duration known: a sampler decides when a span starts. Its child spans end first and wait here
 * until it does, at most `maxPending` traces of them; past that the oldest waiting trace is dropped, which
 * only a root span that never ends would cause. Counts never come from traces: request and inference
 * counts are the SDK's metrics, exported in full whatever is kept here.
 */
export class TraceKeeper implements SpanProcessor {
  private readonly waiting = new Map<string, { spans: ReadableSpan[]; failed: boolean }>();
  private readonly ratioBound: number;

  constructor(
    private readonly next: SpanProcessor,
    private readonly rule: KeepRule,
    private readonly maxPending = 4096,
  ) {
    this.ratioBound = rule.ratio * 2 ** 32;
  }

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const failed = span.status.code === SpanStatusCode.ERROR;
    const parent = span.parentSpanContext;
    const waiting = this.waiting.get(traceId);
    if (parent && !parent.isRemote) {
      if (waiting) {
        waiting.spans.push(span);
        waiting.failed ||= failed;
      } else {
        if (this.waiting.size >= this.maxPending)
          this.waiting.delete(this.waiting.keys().next().value as string);
        this.waiting.set(traceId, { spans: [span], failed });
      }
      return;
    }
    this.waiting.delete(traceId);
    const keep =
      failed ||
      waiting?.failed ||
      hrTimeToMicroseconds(span.duration) >= this.rule.slowSeconds * 1e6 ||
      // The low 32 bits of a W3C trace id are random, so this picks `ratio` of the traces, the same ones in
      // every replica that applies the same ratio.
      Number.parseInt(traceId.slice(-8), 16) < this.ratioBound;
    if (!keep) return;
    for (const child of waiting?.spans ?? []) this.next.onEnd(child);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    this.waiting.clear();
    return this.next.shutdown();
  }
}
