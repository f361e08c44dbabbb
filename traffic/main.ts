/**
 * `npm run traffic -- [options]`: realistic mixed traffic against the ML API for a while, then a tally of
 * what was sent. `--help` lists the options.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BUNDLED_MODEL_REPOSITORY } from "../ml-api/src/config.js";
import { apiSecretFiles } from "../stack/api-secrets.js";
import { stackDir } from "../stack/layout.js";
import { address, portsFromEnv } from "../stack/ports.js";
import { FeedbackLoop } from "./feedback-loop.js";
import { labelledRows } from "./labelled-rows.js";
import { seeded } from "./random.js";
import { RequestMix } from "./request-mix.js";
import { numericFeatures } from "./row-sampler.js";
import { send } from "./sender.js";
import { formatTally, tally } from "./tally.js";
import { discoverTarget } from "./target.js";

const HELP = `npm run traffic -- [options]

  --url URL            ML API base URL (default: the native stack's, http://${address(portsFromEnv(process.env).api)})
  --rate N             requests per second (default 10)
  --duration S         seconds to send for (default 60)
  --count N            send exactly N requests instead (overrides --duration)
  --concurrency N      most requests in flight (default 16)
  --drift FEATURE[:K]  shift numeric FEATURE by K training standard deviations (default K 2) in every valid row
  --model NAME         model to call (default penguins)
  --models DIR         model repository to read the training profiles from (default the bundled models)
  --seed N             random seed; the same seed sends the same requests (default 1)
  --feedback SHARE[:D] replay the model's labelled rows as V1 predictions instead of the mix, and send the
                       true label of SHARE of them (0-1) D seconds later (default 0) to the feedback route
  --label-noise P      with --feedback: replace P (0-1) of the labels sent by another class
  --feedback-url URL   with --feedback: send labels to this replica (default --url)
  --token-file FILE    with --feedback: the control token (default the native stack's, ${defaultTokenFile()})
  --help

The mix: KServe V1 (named and array instances) and OIP V2 (latest and explicit versions) requests of 1 to
128 rows, about 10 % invalid bodies, 1 % malformed JSON, 4 % unknown models or versions.`;

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      count: { type: "string" },
      concurrency: { type: "string" },
      drift: { type: "string" },
      model: { type: "string", default: "penguins" },
      models: { type: "string", default: BUNDLED_MODEL_REPOSITORY },
      seed: { type: "string" },
      feedback: { type: "string" },
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

  if (values.feedback !== undefined) {
    const [shareText = "", delayText = "0"] = values.feedback.split(":");
    const share = fraction("feedback", shareText);
    const delay = Number(delayText);
    if (!Number.isFinite(delay) || delay < 0) {
      process.stderr.write(`--feedback: the delay must be seconds >= 0, got ${delayText}\n`);
      process.exit(2);
    }
    const profile = target.profiles.get(target.latest);
    if (!profile) throw new Error(`no profile for ${values.model} version ${target.latest}`);
    const tokenFile = values["token-file"] ?? defaultTokenFile();
    const loop = new FeedbackLoop(labelledRows(values.model, profile), seeded(seed), {
      predictUrl: url,
      feedbackUrl: values["feedback-url"] ?? url,
      model: values.model,
      authorization: `Bearer ${readFileSync(tokenFile, "utf8").trim()}`,
      share,
      delayMs: delay * 1000,
      labelNoise: values["label-noise"] === undefined ? 0 : fraction("label-noise", values["label-noise"]),
      classes: profile.classes,
    });
    process.stdout.write(
      `replaying ${count} labelled rows to ${url} at ${rate}/s, labels for ${share * 100}% after ${delay} s\n`,
    );
    const t = await loop.run(count, rate);
    process.stdout.write(
      `${t.predictions} predictions, ${t.labelsSent} labels sent, ${t.accepted} accepted (${t.flipped} flipped)${[...t.rejected].map(([r, n]) => `, ${n} rejected ${r}`).join("")}\n`,
    );
    return;
  }

  const mix = new RequestMix(target, seeded(seed), { missingRate: 0.02, ...(drift ? { drift } : {}) });
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
