import type { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";

/**
 * What the lint rules need to know about a PromQL query, read from Prometheus's own grammar (the Lezer
 * parser its web UI uses) rather than from the text: every vector selector with its matchers, the range it
 * is taken over and the function it is passed to.
 */

export interface Matcher {
  name: string;
  op: string;
  /** The string literal's content, quotes removed, escapes as written. */
  value: string;
}

export interface Selector {
  /** Metric name, or "" for `{__name__=~...}`. */
  metric: string;
  matchers: Matcher[];
  /** The range as written after the variables were stood in for (`[5m]`), when the selector is ranged. */
  range?: string;
  /** The function the ranged selector is an argument of (`rate`), if any. */
  func?: string;
  /** The selector is the subject of a subquery (`expr[30d:1h]`) rather than a plain range. */
  subquery: boolean;
}

export interface ParsedQuery {
  errors: string[];
  selectors: Selector[];
}

/** Grafana's range variables, stood in by durations no query uses, so the parser accepts them. */
export const RANGE_STAND_INS: Record<string, string> = {
  $__rate_interval: "7777s",
  $__interval: "8888s",
  $__range: "9999s",
};

/** The query with Grafana's range variables replaced by their stand-ins (labels values are strings anyway). */
export function standIn(expr: string): string {
  let out = expr;
  for (const [variable, duration] of Object.entries(RANGE_STAND_INS)) {
    out = out.split(`\${${variable.slice(1)}}`).join(duration);
    out = out.split(variable).join(duration);
  }
  return out;
}

/** The variable a stand-in duration came from, or the duration itself. */
export function rangeVariable(range: string): string {
  return Object.entries(RANGE_STAND_INS).find(([, d]) => d === range)?.[0] ?? range;
}

function text(source: string, node: SyntaxNode): string {
  return source.slice(node.from, node.to);
}

/** A string literal's content as written, without its quotes (escapes left as they are). */
function unquote(literal: string): string {
  return literal.slice(1, -1);
}

export function parsePromQL(expr: string): ParsedQuery {
  const source = standIn(expr);
  const tree = parser.parse(source);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        errors.push(
          `syntax error at ${ref.from}: ...${source.slice(Math.max(0, ref.from - 20), ref.from + 20)}...`,
        );
        return;
      }
      if (ref.name !== "VectorSelector") return;
      const node = ref.node;
      const identifier = node.getChild("Identifier");
      const matchers: Matcher[] = [];
      for (const m of node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []) {
        const name = m.getChild("LabelName");
        const op = m.getChild("MatchOp");
        const value = m.getChild("StringLiteral");
        if (name && op && value) {
          matchers.push({
            name: text(source, name),
            op: text(source, op),
            value: unquote(text(source, value)),
          });
        }
      }
      const selector: Selector = {
        metric: identifier ? text(source, identifier) : "",
        matchers,
        subquery: false,
      };
      const parent = node.parent;
      if (parent?.name === "MatrixSelector") {
        selector.range = text(source, parent)
          .slice(text(source, node).length)
          .trim()
          .replace(/^\[|\]$/g, "");
        const call = parent.parent?.parent;
        if (parent.parent?.name === "FunctionCallBody" && call?.name === "FunctionCall") {
          const id = call.getChild("FunctionIdentifier");
          if (id) selector.func = text(source, id);
        }
      } else if (parent?.name === "SubqueryExpr") {
        selector.subquery = true;
      }
      selectors.push(selector);
    },
  });
  return { errors, selectors };
}
