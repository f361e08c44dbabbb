import { basename } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUALITY } from "../../contract/alerting-config.js";
import { promDuration } from "../../contract/duration.js";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { qualitySeries } from "../../contract/quality-series.js";
import type { ModelProfile } from "../../ml-api/src/inference/profile.js";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import { FeedbackLoop } from "../../traffic/feedback-loop.js";
import { labelledRows } from "../../traffic/labelled-rows.js";
import { seeded } from "../../traffic/random.js";
import { RequestMix, TRAFFIC_MIX } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";
import { tally } from "../../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";
import { EXPORTED, type Fixture } from "../support/exported-models.js";
import { CLASSIFIER, REGRESSOR, type ServedModels, servedModels } from "../support/served-models.js";
import { type E2EStack, stackUnavailable, startE2EStack, stopAfterTests } from "./e2e-stack.js";
import { eventually } from "./eventually.js";
import { PrometheusApi, type RuleGroupState } from "./prometheus-api.js";

/**
 * What `npm run traffic` sends by default (real held-out rows, replayed as they are) is what a healthy model
 * sees, so no model alert may even go pending on it, for a classifier or a regressor; nor may a quality alert
 * when their true labels follow (`--feedback`). The same stack then takes wrong labels and drifted rows, and
 * the quality and drift alerts must go pending: the checks can fail.
 */

const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;
/** Requests per model: thousands of rows, past every alert's minimum count. */
const REQUESTS: Record<string, number> = { [CLASSIFIER]: 400, [REGRESSOR]: 200 };
/** Labelled predictions per model: past the point where the quality alerts' bounds would see a real loss. */
const LABELLED = 300;
const LABELS_PER_SECOND = 200;
/** Each model's truth in its held-out rows. */
const LABEL_COLUMN: Record<string, string> = {
  [CLASSIFIER]: "species",
  [REGRESSOR]: (EXPORTED.find((f) => f.task === "regression") as Fixture).label,
};
/** A PSI window small enough for the drifted rows to fill. */
const WINDOW = 500;
const WAIT_MS = 30_000;
const TEST_MS = 90_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[e2e] skipping the default-traffic suite: ${skip}\n`);

/** The groups of the model alert rules (prometheus/rules/model.yml), or of another rule file. */
const modelGroups = (groups: RuleGroupState[], file = "model.yml") =>
  groups.filter((g) => basename(g.file) === file);
const QUALITY_FILE = "quality.yml";

describe.skipIf(skip !== undefined)("default traffic on a healthy stack", () => {
  let e2e: E2EStack | undefined;
  let served: ServedModels | undefined;
  let prom: PrometheusApi;
  const api = () => e2e?.url("api") ?? "";
  stopAfterTests(() => e2e);

  beforeAll(async () => {
    served = await servedModels();
    e2e = await startE2EStack({ MODEL_REPOSITORY: served.repository, DRIFT_WINDOW_SIZE: String(WINDOW) });
    prom = new PrometheusApi(e2e.url("prometheus"));
  }, 180_000);
  afterAll(() => served?.remove());

  async function mixFor(model: string, drift?: { feature: string; std: number }) {
    const repository = served?.repository ?? "";
    const target = await discoverTarget(api(), model, repository);
    return new RequestMix(target, heldOutRecords(repository, target), seeded(1), {
      ...TRAFFIC_MIX,
      ...(drift ? { drift } : {}),
    });
  }

  /** The oldest evaluation time (seconds) among the alerting groups of a rule file. */
  async function oldestEvaluation(file: string): Promise<number> {
    const groups = modelGroups(await prom.alertingRules(), file);
    return groups.length > 0 ? Math.min(...groups.map((g) => g.lastEvaluation)) : 0;
  }

  /** Waits until every alerting group of a rule file has been evaluated twice after `since` (seconds): it saw all data. */
  async function evaluatedTwiceAfter(since: number, file = "model.yml"): Promise<RuleGroupState[]> {
    const first = await eventually(
      `the rules of ${file} to be evaluated`,
      async () => {
        const at = await oldestEvaluation(file);
        return at > since ? at : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    await eventually(
      `another evaluation of the rules of ${file}`,
      async () => ((await oldestEvaluation(file)) > first ? true : undefined),
      { timeoutMs: WAIT_MS },
    );
    return modelGroups(await prom.alertingRules(), file);
  }

  /** Rules not inactive, with their alerts' labels. */
  const active = (groups: RuleGroupState[]) =>
    groups
      .flatMap((g) => g.rules)
      .filter((r) => r.state !== "inactive")
      .map((r) => `${r.name} ${r.state} ${JSON.stringify(r.alerts.map((a) => a.labels))}`);

  /**
   * LABELLED predictions of `model`, each followed at once by its label from `labelColumn` of its held-out
   * row, flipped to another class for a share `labelNoise`; resolves when Prometheus counts every label.
   */
  async function labelled(model: string, labelColumn: string, labelNoise = 0): Promise<void> {
    const repository = served?.repository ?? "";
    const target = await discoverTarget(api(), model, repository);
    const profile = target.profiles.get(target.latest) as ModelProfile;
    const rows = labelledRows(
      profile,
      target.profiles.values(),
      heldOutRecords(repository, target),
      labelColumn,
    );
    const before = await labelsCounted();
    const t = await new FeedbackLoop(rows, seeded(2), {
      predictUrl: api(),
      feedbackUrl: api(),
      model,
      authorization: e2e?.stack.controlAuthorization ?? "",
      share: 1,
      delayMs: 0,
      labelNoise,
      classes: profile.classes,
    }).run(LABELLED, LABELS_PER_SECOND);
    expect([...t.rejected]).toEqual([]);
    expect(t.accepted).toBe(LABELLED);
    await eventually(
      `Prometheus to count ${model}'s labels`,
      async () => ((await labelsCounted()) === before + LABELLED ? true : undefined),
      { timeoutMs: WAIT_MS },
    );
  }

  async function labelsCounted(): Promise<number> {
    const [row] = await prom.query(`sum(histogram_count(${PROM.feedbackDelay}{job="${SERVICE}"}))`);
    return row?.value ?? 0;
  }

  it(
    "leaves every model alert inactive, for a classifier and a regressor",
    async () => {
      const sent = [];
      for (const model of [CLASSIFIER, REGRESSOR]) {
        const mix = await mixFor(model);
        const plan = Array.from({ length: REQUESTS[model] ?? 0 }, () => mix.next());
        sent.push(
          ...(await send(plan, { baseUrl: api(), rate: Number.POSITIVE_INFINITY, concurrency: 8 })).sent,
        );
      }
      const t = tally(sent);
      expect(t.unexpected).toEqual([]);
      const want = t.inference.reduce((n, i) => n + i.count, 0);
      await eventually(
        "Prometheus to count every inference",
        async () => {
          const seen = await prom.query(`sum(histogram_count(${PROM.inferenceDuration}{job="${SERVICE}"}))`);
          return seen[0]?.value === want ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      const groups = await evaluatedTwiceAfter(Date.now() / 1000);
      expect(groups.flatMap((g) => g.rules).length).toBeGreaterThan(0);
      expect(active(groups)).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "leaves every quality alert inactive when the true labels follow, and raises them for wrong ones",
    async () => {
      for (const model of [CLASSIFIER, REGRESSOR]) await labelled(model, LABEL_COLUMN[model] ?? "");
      const groups = await evaluatedTwiceAfter(Date.now() / 1000, QUALITY_FILE);
      expect(groups.flatMap((g) => g.rules).length).toBeGreaterThan(0);
      // The alerts had what they read: realized accuracy, and the MAE with its bound beside the card's.
      const q = qualitySeries(promDuration(QUALITY.alertWindow));
      const value = async (promql: string) => (await prom.query(promql))[0]?.value;
      const of = (model: string) => `{${promLabel(ATTR.model)}="${model}"}`;
      const figures = {
        accuracy: await value(`${q.accuracy}${of(CLASSIFIER)}`),
        mae: await value(`${q.mae}${of(REGRESSOR)}`),
        maeLower: await value(`${q.maeLower}${of(REGRESSOR)}`),
        card: await value(`${PROM.qualityBaseline}{${promLabel(ATTR.qualityMetric)}="mae"}`),
      };
      process.stdout.write(`[e2e] true labels: ${JSON.stringify(figures)}\n`);
      expect(Object.values(figures).every((v) => v !== undefined)).toBe(true);
      expect(active(groups)).toEqual([]);

      // Every label flipped, and the regressor told its truth is each row's flipper length: the same check
      // now sees both realized-quality alerts pending.
      await labelled(CLASSIFIER, LABEL_COLUMN[CLASSIFIER] ?? "", 1);
      await labelled(REGRESSOR, "flipper_length_mm");
      const want = [`ModelAccuracyBelowBaseline ${CLASSIFIER}`, `ModelErrorAboveBaseline ${REGRESSOR}`];
      let seen: string[] = [];
      await eventually(
        "ModelAccuracyBelowBaseline and ModelErrorAboveBaseline to go pending",
        async () => {
          const rules = modelGroups(await prom.alertingRules(), QUALITY_FILE).flatMap((g) => g.rules);
          seen = rules.flatMap((r) => r.alerts.map((a) => `${r.name} ${a.labels.model_name}`));
          return want.every((w) => seen.includes(w)) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => seen.join(", ") },
      );
    },
    2 * TEST_MS,
  );

  it(
    "does raise FeatureDrift and, for the regressor, PredictionDrift when the same rows come in drifted",
    async () => {
      const drifted = [
        { model: CLASSIFIER, feature: "bill_length_mm" },
        { model: REGRESSOR, feature: "flipper_length_mm" },
      ];
      for (const { model, feature } of drifted) {
        const mix = await mixFor(model, { feature, std: 3 });
        const plan = Array.from({ length: REQUESTS[model] ?? 0 }, () => mix.of("v1_named"));
        await send(plan, { baseUrl: api(), rate: Number.POSITIVE_INFINITY, concurrency: 8 });
      }
      const want = [
        `FeatureDrift ${CLASSIFIER} bill_length_mm`,
        `FeatureDrift ${REGRESSOR} flipper_length_mm`,
        `PredictionDrift ${REGRESSOR} `,
      ];
      let active: string[] = [];
      await eventually(
        "FeatureDrift and PredictionDrift to go pending",
        async () => {
          const rules = modelGroups(await prom.alertingRules()).flatMap((g) => g.rules);
          active = rules.flatMap((r) =>
            r.alerts.map((a) => `${r.name} ${a.labels.model_name} ${a.labels.feature_name ?? ""}`),
          );
          return want.every((w) => active.includes(w)) ? true : undefined;
        },
        { timeoutMs: WAIT_MS, describe: () => active.join(", ") },
      );
    },
    TEST_MS,
  );
});
