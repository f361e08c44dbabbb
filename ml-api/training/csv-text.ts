/** Rows as CSV text (RFC 4180): a header line, then one line per row; null is an empty cell. */
import type { Row } from "./feature-spec.js";

function cell(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly Row[], columns: readonly string[]): string {
  return [columns.map(cell).join(","), ...rows.map((row) => columns.map((c) => cell(row[c])).join(","))]
    .map((line) => `${line}\n`)
    .join("");
}
