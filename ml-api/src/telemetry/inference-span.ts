import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { ATTR, type Outcome } from "../../../contract/metric-catalogue.js";
import { SERVER_NAME, SERVER_VERSION } from "../server-info.js";

const tracer = trace.getTracer(SERVER_NAME, SERVER_VERSION);

/** Attribute for the rows of one inference; the model attributes are the metric catalogue's. */
export const ATTR_ROWS = "inference.rows";

/** The span of one inference, a child of the HTTP server span that is active when it starts. */
export function startInferenceSpan(): Span {
  return tracer.startSpan("inference");
}

/**
 * Names the model on the span only once the registry has resolved it, so a span never carries a model name
 * a client made up; 5xx outcomes mark the span as an error.
 */
export function endInferenceSpan(
  span: Span,
  end: { model?: string; version?: string; rows?: number; outcome?: Outcome },
): void {
  if (end.model !== undefined) span.setAttribute(ATTR.model, end.model);
  if (end.version !== undefined) span.setAttribute(ATTR.version, end.version);
  if (end.rows !== undefined) span.setAttribute(ATTR_ROWS, end.rows);
  if (end.outcome !== undefined) {
    span.setAttribute(ATTR.outcome, end.outcome);
    if (end.outcome === "error" || end.outcome === "unavailable")
      span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
