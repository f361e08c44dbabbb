import { readFileSync, writeFileSync } from "node:fs";
import { DOC_PAGES, renderPage } from "./doc-tables.js";

/** `npm run docs`: rewrites the docs pages' generated tables from the code. */
for (const page of Object.keys(DOC_PAGES)) {
  const url = new URL(`../../${page}`, import.meta.url);
  writeFileSync(url, renderPage(page, readFileSync(url, "utf8")));
}
