import { basename } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROM } from "../../contract/prometheus-names.js";
import { OTEL_DEFAULTS } from "../../ml-api/src/telemetry/otel-defaults.js";
import { seeded } from "../../traffic/random.js";
import { RequestMix, TRAFFIC_MIX } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";
import { tally } from "../../traffic/tally.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";
import { CLASSIFIER, REGRESSOR, type ServedModels, servedModels } from "../support/served-models.js";
import { type E2EStack, stackUnavailable, startE2EStack, stopAfterTests } from "./e2e-stack.js";
import { eventually } from "./eventually.js";
import { PrometheusApi, type RuleGroupState } from "./prometheus-api.js";

/**
 * What `npm run traffic` sends by default (real held-out rows, replayed as they are) is what a healthy model
 * sees, so no model alert may even go pending on it, for a classifier or a regressor. The same stack then
 * takes drifted rows and the drift alerts must go pending: the check can fail.
 */

const SERVICE = OTEL_DEFAULTS.OTEL_SERVICE_NAME.value;
/** Requests per model: thousands of rows, past every alert's minimum count. */
const REQUESTS: Record<string, number> = { [CLASSIFIER]: 400, [REGRESSOR]: 200 };
/** A PSI window small enough for the drifted rows to fill. */
const WINDOW = 500;
const WAIT_MS = 30_000;
const TEST_MS = 90_000;

const skip = stackUnavailable();
if (skip) process.stderr.write(`[e2e] skipping the default-traffic suite: ${skip}\n`);

/** The groups of the model alert rules (prometheus/rules/model.yml). */
const modelGroups = (groups: RuleGroupState[]) => groups.filter((g) => basename(g.file) === "model.yml");

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

  /** The oldest evaluation time (seconds) among the model rule groups. */
  async function oldestEvaluation(): Promise<number> {
    const groups = modelGroups(await prom.alertingRules());
    return groups.length > 0 ? Math.min(...groups.map((g) => g.lastEvaluation)) : 0;
  }

  /** Waits until every model rule group has been evaluated twice after `since` (seconds): it saw all data. */
  async function evaluatedTwiceAfter(since: number): Promise<RuleGroupState[]> {
    const first = await eventually(
      "the model rules to be evaluated",
      async () => {
        const at = await oldestEvaluation();
        return at > since ? at : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    await eventually(
      "another evaluation of the model rules",
      async () => ((await oldestEvaluation()) > first ? true : undefined),
      { timeoutMs: WAIT_MS },
    );
    return modelGroups(await prom.alertingRules());
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
      const rules = groups.flatMap((g) => g.rules);
      expect(rules.length).toBeGreaterThan(0);
      expect(
        rules
          .filter((r) => r.state !== "inactive")
          .map((r) => `${r.name} ${r.state} ${JSON.stringify(r.alerts.map((a) => a.labels))}`),
      ).toEqual([]);
    },
    TEST_MS,
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
