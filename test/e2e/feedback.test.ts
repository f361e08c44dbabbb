import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { qualitySeries } from "../../contract/quality-series.js";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";
import { apiSecretFiles } from "../../stack/api-secrets.js";
import { apiSecretsDir } from "../../stack/components.js";
import { address } from "../../stack/ports.js";
import { FeedbackLoop, type FeedbackTally, pairKey } from "../../traffic/feedback-loop.js";
import { labelledRows } from "../../traffic/labelled-rows.js";
import { seeded } from "../../traffic/random.js";
import { readRecords } from "../../traffic/row-replay.js";
import { type ApiProcess, spawnInstrumentedApi } from "../support/api-process.js";
import { E2E_TUNING, type E2EStack, stackUnavailable, startE2EStack, stopAfterTests } from "./e2e-stack.js";
import { eventually } from "./eventually.js";
import { PrometheusApi } from "./prometheus-api.js";

/**
 * Labels joined across replicas, end to end: predictions on the stack's API, their labels sent to a second
 * replica that shares only the key file, through its collector into Prometheus. The confusion counts there
 * must equal the pairs the API accepted, exactly, and the recorded accuracy the accuracy of those pairs.
 */

const skip = stackUnavailable();
const MODEL = "penguins";
const VERSION = "2";
const PREDICTED = promLabel(ATTR.predictedClass);
const ACTUAL = promLabel(ATTR.feedbackClass);

let e2e: E2EStack | undefined;
let replica: ApiProcess | undefined;
let tally: FeedbackTally;
stopAfterTests(() => e2e);

describe.skipIf(skip !== undefined)("feedback across replicas, end to end", () => {
  const prometheus = () => new PrometheusApi(e2e?.url("prometheus") ?? "");
  const selector = `{${promLabel(ATTR.model)}="${MODEL}", ${promLabel(ATTR.version)}="${VERSION}"}`;

  beforeAll(async () => {
    e2e = await startE2EStack();
    const secrets = apiSecretFiles(apiSecretsDir(e2e.stack.settings));
    // The second replica: its own process and instance, the same key and token, the same collector.
    replica = await spawnInstrumentedApi(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${address(e2e.ports.otlpHttp)}`,
        OTEL_METRIC_EXPORT_INTERVAL: String(E2E_TUNING.metricExportIntervalMs),
        INFERWATCH_CONTROL_TOKEN_FILE: secrets.controlToken,
        PREDICTION_ID_KEY_FILE: secrets.predictionIdKey,
      },
      { startTimeoutMs: 120_000 },
    );
    // Both replicas export the confusion matrix at zero before any label: the counts start from 0.
    await eventually(
      "both replicas' zeroed confusion matrices in Prometheus",
      async () => {
        const rows = await prometheus().query(`count by (instance) (${PROM.feedback}${selector})`);
        return rows.length === 2 ? rows : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const profile = JSON.parse(
      readFileSync(join(BUNDLED_MODEL_REPOSITORY, MODEL, VERSION, "profile.json"), "utf8"),
    ) as ModelProfile;
    const records = readRecords(join(BUNDLED_MODEL_REPOSITORY, MODEL, VERSION, "heldout.csv"));
    const loop = new FeedbackLoop(labelledRows(profile, [profile], records, "species"), seeded(19), {
      predictUrl: e2e.url("api"),
      feedbackUrl: `http://127.0.0.1:${replica.port}`,
      model: MODEL,
      authorization: e2e.stack.controlAuthorization,
      share: 0.7,
      delayMs: 100,
      labelNoise: 0.3,
      classes: profile.classes,
    });
    tally = await loop.run(200, 50);
  }, 240_000);

  afterAll(async () => {
    replica?.child.kill("SIGTERM");
    await replica?.exited;
  }, 60_000);

  it("accepts every label on the replica that made no prediction", () => {
    expect(tally.predictions).toBe(200);
    expect(tally.labelsSent).toBeGreaterThan(100);
    expect(tally.accepted).toBe(tally.labelsSent);
    expect([...tally.rejected]).toEqual([]);
    expect(tally.flipped).toBeGreaterThan(0);
  });

  it("counts in Prometheus exactly the pairs the API accepted, by predicted and true class", async () => {
    const expected = Object.fromEntries([...tally.pairs].sort());
    const seen = await eventually(
      "the confusion matrix in Prometheus to equal the pairs sent",
      async () => {
        const rows = await prometheus().query(
          `sum by (${PREDICTED}, ${ACTUAL}) (${PROM.feedback}${selector}) > 0`,
        );
        const got = Object.fromEntries(
          rows.map((r) => [pairKey(r.metric[PREDICTED] ?? "", r.metric[ACTUAL] ?? ""), r.value]).sort(),
        );
        return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined;
      },
      { timeoutMs: 60_000, describe: () => JSON.stringify(expected) },
    );
    expect(seen).toEqual(expected);
    // Every label was counted by the second replica; the first counted none.
    const byInstance = await prometheus().query(`sum by (instance) (${PROM.feedback}${selector}) > 0`);
    expect(byInstance.map((r) => r.metric.instance)).toHaveLength(1);
  });

  it("records the accuracy the accepted pairs have", async () => {
    const right = [...tally.pairs]
      .filter(([key]) => {
        const [predicted, actual] = key.split("\t");
        return predicted === actual;
      })
      .reduce((n, [, count]) => n + count, 0);
    const accuracy = right / tally.accepted;
    const { accuracy: recorded } = qualitySeries("1h");
    const value = await eventually(
      `${recorded} to equal ${accuracy}`,
      async () => {
        const [row] = await prometheus().query(`${recorded}${selector}`);
        return row && Math.abs(row.value - accuracy) < 1e-9 ? row.value : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(value).toBeCloseTo(accuracy, 9);
  });
});
