import { readFileSync, writeFileSync } from "node:fs";
import { renderReadme } from "./readme-tables.js";

/** `npm run docs`: rewrites the README's generated tables from the code. */
const path = new URL("../../README.md", import.meta.url);
writeFileSync(path, renderReadme(readFileSync(path, "utf8")));
