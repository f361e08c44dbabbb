import { readFileSync } from "node:fs";

/** Just enough of a Dockerfile reader for the tests: instructions by stage, continuation lines joined. */

export interface Instruction {
  keyword: string;
  /** The rest of the line, continuations joined. */
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults when they have one. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  const lines = readFileSync(path, "utf8")
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = "", args = ""] = /^([A-Z]+)\s+(.*)$/.exec(line) ?? [];
    if (keyword === "FROM") {
      const [from = "", , name] = args.split(/\s+/);
      stages.push({ from, ...(name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0 && keyword === "ARG") {
      const [name = "", value] = args.split("=", 2);
      globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** The JSON (exec) form of CMD, ENTRYPOINT or HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  return JSON.parse(args.replace(/^.*?(\[)/, "$1")) as string[];
}

/** The last instruction of a kind in a stage. */
export function last(stage: Stage | undefined, keyword: string): Instruction | undefined {
  return stage?.instructions.filter((i) => i.keyword === keyword).at(-1);
}
