import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { type KeepRule, TraceKeeper } from "../../ml-api/src/telemetry/trace-keeper.js";

/** A tracer whose spans go through a TraceKeeper into memory. */
function keeping(rule: KeepRule, maxPending?: number) {
  const exported = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new TraceKeeper(new SimpleSpanProcessor({ exporter: exported }), rule, maxPending)],
  });
  const tracer = provider.getTracer("test");
  /** A request: a root span with one child, ended after `seconds` of the root's time. */
  const request = (opts: { failChild?: boolean; failRoot?: boolean; seconds?: number } = {}) => {
    const start = Date.now();
    const root = tracer.startSpan("request", { startTime: start });
    const child = tracer.startSpan("inference", {}, trace.setSpan(context.active(), root));
    if (opts.failChild) child.setStatus({ code: SpanStatusCode.ERROR });
    child.end();
    if (opts.failRoot) root.setStatus({ code: SpanStatusCode.ERROR });
    root.end(start + (opts.seconds ?? 0.001) * 1000);
    return root.spanContext().traceId;
  };
  const traces = () => new Set(exported.getFinishedSpans().map((s) => s.spanContext().traceId));
  return { request, traces, exported, tracer };
}

describe("TraceKeeper", () => {
  it("keeps every failed trace, child or root, with all of its spans, and drops the rest at ratio 0", () => {
    const k = keeping({ ratio: 0, slowSeconds: 10 });
    const failedChild = k.request({ failChild: true });
    const failedRoot = k.request({ failRoot: true });
    for (let i = 0; i < 50; i++) k.request();
    expect(k.traces()).toEqual(new Set([failedChild, failedRoot]));
    expect(k.exported.getFinishedSpans()).toHaveLength(4);
  });

  it("keeps a trace whose root lasted the slow threshold or longer, with its child", () => {
    const k = keeping({ ratio: 0, slowSeconds: 0.5 });
    const slow = k.request({ seconds: 0.5 });
    k.request({ seconds: 0.4 });
    expect(k.traces()).toEqual(new Set([slow]));
    expect(k.exported.getFinishedSpans().map((s) => s.name)).toEqual(["inference", "request"]);
  });

  it("keeps about `ratio` of ordinary traces, chosen by trace id", () => {
    const k = keeping({ ratio: 0.25, slowSeconds: 10 });
    const ids = Array.from({ length: 4000 }, () => k.request());
    const kept = k.traces();
    expect(kept.size).toBeGreaterThan(800);
    expect(kept.size).toBeLessThan(1200);
    for (const id of kept) expect(Number.parseInt(id.slice(-8), 16) / 2 ** 32).toBeLessThan(0.25);
    expect(ids.filter((id) => !kept.has(id)).length).toBe(4000 - kept.size);
  });

  it("keeps every trace at ratio 1", () => {
    const k = keeping({ ratio: 1, slowSeconds: 10 });
    for (let i = 0; i < 20; i++) k.request();
    expect(k.traces().size).toBe(20);
  });

  it("holds children of at most maxPending unfinished traces", () => {
    const k = keeping({ ratio: 1, slowSeconds: 10 }, 2);
    const roots = [1, 2, 3].map(() => k.tracer.startSpan("request"));
    for (const root of roots)
      k.tracer.startSpan("inference", {}, trace.setSpan(context.active(), root)).end();
    for (const root of roots) root.end();
    // The first trace's child was let go when the third began to wait; its root still goes out.
    expect(k.exported.getFinishedSpans().map((s) => s.name)).toEqual([
      "request",
      "inference",
      "request",
      "inference",
      "request",
    ]);
  });
});
