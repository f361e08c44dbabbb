import { pick, type Random } from "./random.js";
import type { Instance } from "./row-replay.js";

/**
 * Predictions whose truth is known, then their labels: rows of a labelled data set are sent to the V1 predict
 * route one at a time, and for a share of them the true label follows after a delay through the feedback
 * route, flipped to another class for a share `labelNoise` (so realized accuracy visibly drops). Every pair
 * (predicted class, label sent) accepted by the API is tallied, so a test can compare Prometheus with it.
 */

export interface LabelledRow {
  instance: Instance;
  label: string;
}

export interface FeedbackOptions {
  /** Where predictions go. */
  predictUrl: string;
  /** Where labels go: another replica, if the ids are to prove they travel. */
  feedbackUrl: string;
  model: string;
  /** `Bearer <control token>`. */
  authorization: string;
  /** Share of predictions whose label is sent, in [0, 1]. */
  share: number;
  delayMs: number;
  /** Share of sent labels replaced by another class, in [0, 1]; a classifier's only. */
  labelNoise: number;
  /** The classifier's classes; none for a regressor, whose labels are sent as numbers (`value`). */
  classes: readonly string[];
  signal?: AbortSignal;
}

export interface FeedbackTally {
  predictions: number;
  labelsSent: number;
  accepted: number;
  flipped: number;
  /** Accepted labels by `<predicted>\t<label sent>`. */
  pairs: Map<string, number>;
  /** Rejected items by reason. */
  rejected: Map<string, number>;
}

export const pairKey = (predicted: string, label: string) => `${predicted}\t${label}`;

function emptyTally(): FeedbackTally {
  return { predictions: 0, labelsSent: 0, accepted: 0, flipped: 0, pairs: new Map(), rejected: new Map() };
}

/** Resolves after `ms`, or at once when `signal` aborts; the listener goes with the timer. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export class FeedbackLoop {
  readonly tally = emptyTally();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly rows: readonly LabelledRow[],
    private readonly random: Random,
    private readonly options: FeedbackOptions,
  ) {
    if (rows.length === 0) throw new Error("no labelled rows to replay");
  }

  /** Sends `count` predictions at `rate` per second, each followed by its label as the options say. */
  async run(count: number, rate: number): Promise<FeedbackTally> {
    const started = performance.now();
    for (let i = 0; i < count && !this.options.signal?.aborted; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait, this.options.signal);
      await this.predictOne();
    }
    await Promise.all(this.pending);
    return this.tally;
  }

  private async predictOne(): Promise<void> {
    const { predictUrl, model, share } = this.options;
    const row = pick(this.random, this.rows);
    const res = await postJson(new URL(`/v1/models/${model}:predict`, predictUrl).href, {
      instances: [row.instance],
    });
    if (res.status !== 200) throw new Error(`predict: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    this.tally.predictions++;
    const [prediction] = res.body.predictions as { label?: string; value?: number; prediction_id: string }[];
    if (!prediction || this.random() >= share) return;
    const regressor = this.options.classes.length === 0;
    const noisy = !regressor && this.random() < this.options.labelNoise;
    const label = noisy ? this.flip(row.label) : row.label;
    const sent = sleep(this.options.delayMs, this.options.signal).then(() =>
      this.sendLabel(String(prediction.label ?? prediction.value), prediction.prediction_id, label, noisy),
    );
    const tracked = sent.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private flip(label: string): string {
    return pick(
      this.random,
      this.options.classes.filter((c) => c !== label),
    );
  }

  private async sendLabel(predicted: string, id: string, label: string, flipped: boolean): Promise<void> {
    const { feedbackUrl, model, authorization } = this.options;
    this.tally.labelsSent++;
    const res = await postJson(
      new URL(`/v2/models/${model}/feedback`, feedbackUrl).href,
      {
        feedback: [
          this.options.classes.length === 0
            ? { prediction_id: id, value: Number(label) }
            : { prediction_id: id, label },
        ],
      },
      { authorization },
    );
    if (res.status !== 200) throw new Error(`feedback: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const rejected = res.body.rejected as { reason: string }[];
    for (const r of rejected) this.tally.rejected.set(r.reason, (this.tally.rejected.get(r.reason) ?? 0) + 1);
    if (res.body.accepted !== 1) return;
    this.tally.accepted++;
    if (flipped) this.tally.flipped++;
    const key = pairKey(predicted, label);
    this.tally.pairs.set(key, (this.tally.pairs.get(key) ?? 0) + 1);
  }
}
