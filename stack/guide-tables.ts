import { DOC_TABLES, renderMarked } from "../ml-api/tools/doc-tables.js";
import { ENV_EXAMPLE } from "./env-example.js";

/**
 * The tables of MONITORING_DEPLOYMENT_GUIDE.md that restate code or .env.example, rendered by `npm run docs`
 * between `<!-- name -->` and `<!-- /name -->` markers, and compared with the guide by a test. The ML API's
 * settings and OpenTelemetry defaults are the docs pages' own renderings (ml-api/tools/doc-tables.ts).
 */

const row = (cells: string[]) => `| ${cells.join(" | ")} |`;

/** Every entry of .env.example by section: name, value there, and its comment. */
function envTable(): string {
  const lines = [row(["variable", "in .env.example", "what"]), row(["---", "---", "---"])];
  let section = "";
  for (const entry of ENV_EXAMPLE) {
    if (entry.section !== section) {
      section = entry.section;
      lines.push(row([`**${section}**`, "", ""]));
    }
    lines.push(
      row([`\`${entry.name}\``, entry.value === "" ? "(empty)" : `\`${entry.value}\``, entry.description]),
    );
  }
  return lines.join("\n");
}

const GUIDE_TABLES: Record<string, () => string> = {
  "env-table": envTable,
  "config-table": DOC_TABLES["config-table"] as () => string,
  "otel-table": DOC_TABLES["otel-table"] as () => string,
};

/** The guide with every marked table replaced by its rendering. */
export function renderGuide(guide: string): string {
  return renderMarked(guide, GUIDE_TABLES, "MONITORING_DEPLOYMENT_GUIDE.md");
}
