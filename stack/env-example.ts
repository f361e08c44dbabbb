import { readFileSync } from "node:fs";

/**
 * `.env.example` at the repository root: every pinned version, port and setting of the stack, written once.
 * stack/install.sh reads its pins, this module gives the TypeScript (ports, versions, retention) its values,
 * and docker-compose.monitoring.yml interpolates a copy of it (.env).
 */

export const ENV_EXAMPLE_URL = new URL("../.env.example", import.meta.url);

export interface EnvEntry {
  name: string;
  value: string;
  /** The comment lines right above the entry, joined with spaces. */
  description: string;
  /** The `# == Title ==` heading the entry is under. */
  section: string;
}

export class EnvFileError extends Error {}

const ENTRY = /^([A-Z][A-Z0-9_]*)=(.*)$/;
const HEADING = /^# == (.+) ==$/;
/** What bash, Compose and dotenv parsers all read the same way: no quotes, spaces, `$` or `#`. */
const PLAIN_VALUE = /^[A-Za-z0-9._:/@,=+-]*$/;

/** Parses KEY=value lines with their comments; refuses anything the three readers could read differently. */
export function parseEnvFile(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const seen = new Set<string>();
  let comment: string[] = [];
  let section = "";
  text.split("\n").forEach((line, i) => {
    const heading = HEADING.exec(line);
    if (heading) {
      section = heading[1] as string;
      comment = [];
    } else if (line.startsWith("#")) {
      comment.push(line.replace(/^# ?/, ""));
    } else if (line.trim() === "") {
      comment = [];
    } else {
      const m = ENTRY.exec(line);
      if (!m) throw new EnvFileError(`line ${i + 1}: not KEY=value: ${line}`);
      const [, name, value] = m as unknown as [string, string, string];
      if (!PLAIN_VALUE.test(value)) throw new EnvFileError(`line ${i + 1}: ${name}: value needs quoting`);
      if (seen.has(name)) throw new EnvFileError(`line ${i + 1}: ${name} set twice`);
      if (comment.length === 0) throw new EnvFileError(`line ${i + 1}: ${name} has no comment`);
      seen.add(name);
      entries.push({ name, value, description: comment.join(" "), section });
      comment = [];
    }
  });
  return entries;
}

export const ENV_EXAMPLE: readonly EnvEntry[] = parseEnvFile(readFileSync(ENV_EXAMPLE_URL, "utf8"));

const VALUES = new Map(ENV_EXAMPLE.map((e) => [e.name, e.value]));

/** The value `.env.example` gives `name`; fails when it has none, so a renamed key cannot go unnoticed. */
export function envExample(name: string): string {
  const value = VALUES.get(name);
  if (value === undefined || value === "") throw new EnvFileError(`.env.example has no value for ${name}`);
  return value;
}
