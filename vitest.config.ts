import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The rule files are compared with what the code generates from .env.example's links, whatever the shell
    // that runs the tests sets.
    env: { INFERWATCH_RUNBOOK_BASE_URL: "", INFERWATCH_GRAFANA_URL: "" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
