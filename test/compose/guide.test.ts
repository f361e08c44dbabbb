import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderGuide } from "../../stack/guide-tables.js";
import { REPO_ROOT } from "../../stack/layout.js";

/**
 * MONITORING_DEPLOYMENT_GUIDE.md for operators: its variable tables are what the code and .env.example render,
 * and every troubleshooting entry says how to confirm and fix the failure and how it was verified, naming a
 * test here that reproduces it or saying it was not reproduced.
 */

const guide = readFileSync(join(REPO_ROOT, "MONITORING_DEPLOYMENT_GUIDE.md"), "utf8");
const troubleshootingTests = readFileSync(join(REPO_ROOT, "test/compose/troubleshooting.test.ts"), "utf8");

/** `### ` entries of a `## ` section, by heading. */
function entries(section: string): Map<string, string> {
  const start = guide.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`no section ${section}`);
  const end = guide.indexOf("\n## ", start + 1);
  const body = guide.slice(start, end < 0 ? undefined : end);
  const out = new Map<string, string>();
  for (const part of body.split("\n### ").slice(1)) {
    const newline = part.indexOf("\n");
    out.set(part.slice(0, newline).trim(), part.slice(newline));
  }
  return out;
}

describe("MONITORING_DEPLOYMENT_GUIDE.md", () => {
  it("has the .env.example, ML API and OpenTelemetry tables the code renders (npm run docs)", () => {
    expect(guide).toBe(renderGuide(guide));
  });

  it("fails the table check when a variable is missing from the guide", () => {
    const edited = guide.replace(/^\| `MAX_BATCH_ROWS` .*\n/m, "");
    expect(edited).not.toBe(guide);
    expect(renderGuide(edited)).not.toBe(edited);
  });

  it("gives each troubleshooting entry a symptom, a confirmation, a fix and how it was verified", () => {
    const found = [...entries("Troubleshooting")].filter(([heading]) => heading !== "What was verified how");
    expect(found.length).toBeGreaterThanOrEqual(8);
    for (const [heading, body] of found) {
      for (const part of ["Symptom", "Confirm", "Fix", "Verified"]) {
        expect({ heading, part, present: body.includes(`- **${part}:**`) }).toMatchObject({ present: true });
      }
    }
  });

  it("names, for each entry verified by a reproduction, a test carrying the entry's heading", () => {
    for (const [heading, body] of entries("Troubleshooting")) {
      const verified = /- \*\*Verified:\*\*([\s\S]*)$/.exec(body)?.[1] ?? "";
      if (!verified.includes("test/compose/troubleshooting.test.ts")) continue;
      const plain = heading.replace(/`/g, "");
      expect({
        heading,
        tested: troubleshootingTests.includes(`"${plain}`) || troubleshootingTests.includes(`'${plain}`),
      }).toEqual({
        heading,
        tested: true,
      });
    }
  });

  it("keeps its own sections before the runbooks", () => {
    const sections = [...guide.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections.at(-1)).toBe("Runbooks");
    for (const name of [
      "Prerequisites",
      "Quick start",
      "Environment variables",
      "Email and Slack",
      "Your own model",
      "Deployment checklist",
      "Retention and storage sizing",
      "Security hardening",
      "Scaling beyond one machine",
      "Upgrading pinned versions",
      "Troubleshooting",
    ]) {
      expect(sections).toContain(name);
    }
  });
});
