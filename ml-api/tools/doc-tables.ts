import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { METRICS } from "../../contract/metric-catalogue.js";
import { prometheusName } from "../../contract/prometheus-names.js";
import { BUNDLED_MODEL_REPOSITORY, CONFIG_SCHEMA } from "../src/config.js";
import { OTEL_DEFAULTS } from "../src/telemetry/otel-defaults.js";

/**
 * The docs tables that restate code: rendered from the code, written by `npm run docs`, and compared with
 * the pages by a test, so the documentation cannot drift from what the API does.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const row = (cells: string[]) => `| ${cells.join(" | ")} |`;

function configTable(): string {
  const lines = [row(["variable", "default", "meaning"]), row(["---", "---", "---"])];
  for (const [name, schema] of Object.entries(CONFIG_SCHEMA.properties)) {
    const value =
      name === "MODEL_REPOSITORY" ? relative(ROOT, BUNDLED_MODEL_REPOSITORY) : String(schema.default);
    lines.push(row([`\`${name}\``, `\`${value}\``, schema.description]));
  }
  return lines.join("\n");
}

function otelTable(): string {
  const lines = [row(["variable", "default here", "why"]), row(["---", "---", "---"])];
  for (const [name, { value, why }] of Object.entries(OTEL_DEFAULTS)) {
    lines.push(row([`\`${name}\``, `\`${value}\``, why]));
  }
  return lines.join("\n");
}

function metricsTable(): string {
  const lines = [
    row(["OpenTelemetry name", "Prometheus name", "instrument", "unit", "attributes", "meaning"]),
    row(["---", "---", "---", "---", "---", "---"]),
  ];
  for (const spec of Object.values(METRICS)) {
    lines.push(
      row([
        `\`${spec.name}\``,
        `\`${prometheusName(spec)}\``,
        spec.instrument,
        spec.unit ? `\`${spec.unit}\`` : "",
        spec.attributes.map((a) => `\`${a}\``).join(", "),
        spec.description,
      ]),
    );
  }
  return lines.join("\n");
}

/** Section name (as in `<!-- name -->` … `<!-- /name -->` markers) to its rendered content. */
export const DOC_TABLES: Record<string, () => string> = {
  "config-table": configTable,
  "otel-table": otelTable,
  "metrics-table": metricsTable,
};

/** The docs pages, from the repository root, and the tables each holds. */
export const DOC_PAGES: Record<string, readonly string[]> = {
  "docs/api.md": ["config-table"],
  "docs/metrics.md": ["otel-table", "metrics-table"],
};

/** `text` with each of `tables` (name to renderer) replaced between its markers; `file` names it in errors. */
export function renderMarked(text: string, tables: Record<string, () => string>, file: string): string {
  let out = text;
  for (const [name, render] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}[^>]*-->)[\\s\\S]*?(<!-- /${name} -->)`);
    if (!pattern.test(out)) throw new Error(`${file} has no <!-- ${name} --> section`);
    out = out.replace(pattern, (_m, open: string, close: string) => `${open}\n${render()}\n${close}`);
  }
  return out;
}

/** A docs page with its tables rendered. */
export function renderPage(page: string, text: string): string {
  const names = DOC_PAGES[page];
  if (!names) throw new Error(`${page} holds no rendered tables`);
  return renderMarked(text, Object.fromEntries(names.map((n) => [n, DOC_TABLES[n] as () => string])), page);
}
