/**
 * `npm run traffic -- [options]`: realistic mixed traffic against the ML API for a while, then a tally of
 * what was sent. `--help` lists the options.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BUNDLED_MODELS_PATH } from "../ml-api/src/bundled-models.js";
import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import { apiSecretFiles } from "../stack/api-secrets.js";
import { REPO_ROOT, stackDir } from "../stack/layout.js";
import { address, portsFromEnv } from "../stack/ports.js";
import { FeedbackLoop, type LabelledRow } from "./feedback-loop.js";
import { labelledRows } from "./labelled-rows.js";
import { seeded } from "./random.js";
import { type ModelTarget, RequestMix, TRAFFIC_MIX } from "./request-mix.js";
import { type CsvRecord, numericFeatures, readRecords } from "./row-replay.js";
import { send } from "./sender.js";
import { formatTally, tally } from "./tally.js";
import { discoverTarget, heldOutRecords } from "./target.js";

const HELP = `npm run traffic -- [options]

  --url URL            ML API base URL (default: the native stack's, http://${address(portsFromEnv(process.env).api)})
  --rate N             requests per second (default 10)
  --duration S         seconds to send for (default 60)
  --count N            send exactly N requests instead (overrides --duration)
  --concurrency N      most requests in flight (default 16)
  --data FILE          CSV of real rows to replay, with a header naming the features (default: the held-out
                       rows training left beside the model's latest version, heldout.csv)
  --drift FEATURE[:K]  shift numeric FEATURE by K training standard deviations (default K 2) in every valid row
  --model NAME         model to call (default penguins)
  --models DIR         model repository to read the training profiles from (default MODEL_REPOSITORY, else
                       the bundled models)
  --seed N             random seed; the same seed sends the same requests (default 1)
  --feedback SHARE[:D] send the rows one per V1 prediction instead of the mix, and the true label of SHARE of
                       them (0-1) D seconds later (default 0) to the feedback route
  --label-column NAME  with --feedback: the rows' column holding the truth (default the one non-feature column)
  --label-noise P      with --feedback: replace P (0-1) of a classifier's labels by another class
  --feedback-url URL   with --feedback: send labels to this replica (default --url)
  --token-file FILE    with --feedback: the control token (default the native stack's, ${defaultTokenFile()})
  --help

Every row is a real one, drawn at random from the data, so the API sees what the model was made for. The
mix: KServe V1 (named and array instances) and OIP V2 (latest and explicit versions) requests of 1 to 128
rows, about 10 % invalid bodies, 1 % malformed JSON, 4 % unknown models or versions.`;

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

function fraction(name: string, raw: string): number {
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    process.stderr.write(`--${name} must be a share between 0 and 1, got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

/** Where `npm run stack` keeps the control token (stack/api-secrets.ts). */
function defaultTokenFile(): string {
  return apiSecretFiles(join(stackDir(), "secrets")).controlToken;
}

/** `--feedback`: labelled rows as single predictions, then a share of their labels (traffic/feedback-loop.ts). */
async function sendFeedback(
  values: Record<string, string | boolean | undefined>,
  records: CsvRecord[],
  target: ModelTarget,
  url: string,
  count: number,
  rate: number,
  seed: number,
): Promise<void> {
  const [shareText = "", delayText = "0"] = String(values.feedback).split(":");
  const share = fraction("feedback", shareText);
  const delay = Number(delayText);
  if (!Number.isFinite(delay) || delay < 0) {
    process.stderr.write(`--feedback: the delay must be seconds >= 0, got ${delayText}\n`);
    process.exit(2);
  }
  const profile = target.profiles.get(target.latest) as ModelProfile;
  const labelColumn = values["label-column"] as string | undefined;
  let rows: LabelledRow[];
  try {
    rows = labelledRows(profile, target.profiles.values(), records, labelColumn);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  }
  const tokenFile = (values["token-file"] as string | undefined) ?? defaultTokenFile();
  const noise = values["label-noise"] as string | undefined;
  const loop = new FeedbackLoop(rows, seeded(seed), {
    predictUrl: url,
    feedbackUrl: (values["feedback-url"] as string | undefined) ?? url,
    model: target.name,
    authorization: `Bearer ${readFileSync(tokenFile, "utf8").trim()}`,
    share,
    delayMs: delay * 1000,
    labelNoise: noise === undefined ? 0 : fraction("label-noise", noise),
    classes: profile.classes,
  });
  process.stdout.write(
    `sending ${count} labelled rows to ${url} at ${rate}/s, labels for ${share * 100}% after ${delay} s\n`,
  );
  const t = await loop.run(count, rate);
  const rejected = [...t.rejected].map(([reason, n]) => `, ${n} rejected ${reason}`).join("");
  process.stdout.write(
    `${t.predictions} predictions, ${t.labelsSent} labels sent, ${t.accepted} accepted (${t.flipped} flipped)${rejected}\n`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      count: { type: "string" },
      concurrency: { type: "string" },
      data: { type: "string" },
      drift: { type: "string" },
      model: { type: "string", default: "penguins" },
      models: {
        type: "string",
        default: process.env.MODEL_REPOSITORY ?? join(REPO_ROOT, BUNDLED_MODELS_PATH),
      },
      seed: { type: "string" },
      feedback: { type: "string" },
      "label-column": { type: "string" },
      "label-noise": { type: "string" },
      "feedback-url": { type: "string" },
      "token-file": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const url = values.url ?? `http://${address(portsFromEnv(process.env).api)}`;
  const rate = number("rate", values.rate, 10);
  const count = Math.round(
    values.count !== undefined
      ? number("count", values.count, 1)
      : rate * number("duration", values.duration, 60),
  );
  const concurrency = number("concurrency", values.concurrency, 16);
  const seed = number("seed", values.seed, 1);

  const target = await discoverTarget(url, values.model, values.models);
  let drift: { feature: string; std: number } | undefined;
  if (values.drift !== undefined) {
    const [feature = "", k] = values.drift.split(":");
    const known = new Set([...target.profiles.values()].flatMap(numericFeatures));
    if (!known.has(feature)) {
      process.stderr.write(`--drift: ${feature} is not a numeric feature; one of ${[...known].join(", ")}\n`);
      process.exit(2);
    }
    drift = { feature, std: k === undefined ? 2 : Number(k) };
  }

  let records: CsvRecord[];
  let mix: RequestMix;
  try {
    records = values.data === undefined ? heldOutRecords(values.models, target) : readRecords(values.data);
    mix = new RequestMix(target, records, seeded(seed), { ...TRAFFIC_MIX, ...(drift ? { drift } : {}) });
  } catch (error) {
    // Data without a column some version needs, or no data at all: say which.
    process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  }
  if (values.feedback !== undefined) {
    await sendFeedback(values, records, target, url, count, rate, seed);
    return;
  }
  process.stdout.write(
    `sending ${count} requests to ${url} at ${rate} req/s (${values.model}, versions ${[...target.profiles.keys()].join(", ")}, latest ${target.latest}${drift ? `, ${drift.feature} shifted by ${drift.std} std` : ""})\n`,
  );
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const requests = (function* () {
    for (let i = 0; i < count; i++) yield mix.next();
  })();
  let done = 0;
  const progressEvery = Math.max(1, Math.round(rate * 10));
  const report = await send(requests, { baseUrl: url, rate, concurrency, signal: stop.signal }, () => {
    done++;
    if (done % progressEvery === 0) process.stdout.write(`  ${done}/${count}\n`);
  });
  process.stdout.write(`\n${formatTally(tally(report.sent), report.seconds)}\n`);
}

await main();
