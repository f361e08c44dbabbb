import { envExample } from "../stack/env-example.js";
import { DAY, HOUR, MINUTE } from "./duration.js";
import { SECONDS_BUCKETS } from "./histogram-buckets.js";

/**
 * Every number the alerts are built from: SLO targets, burn-rate windows, traffic guards and model
 * thresholds. Change one here and run `npm run rules`: the committed rules follow, and a test fails until
 * they do.
 */

/** The period an error budget is spent over. */
export const SLO_PERIOD_SECONDS = 30 * DAY;

export interface SloTargets {
  /** Share of requests that must not fail (5xx at the service, `unavailable` or `error` at the model). */
  availability: number;
  /** Share of successful inference requests that must answer within `latencyThresholdSeconds`. */
  latency: number;
  /**
   * A bound of the inference latency histogram (SECONDS_BUCKETS): `histogram_fraction` counts exactly the
   * requests above a bucket bound, and interpolates within a bucket at any other value.
   */
  latencyThresholdSeconds: number;
}

export const SLO: SloTargets = {
  availability: 0.999,
  latency: 0.99,
  latencyThresholdSeconds: 0.1,
};

export type Severity = "critical" | "warning" | "info";

export interface BurnWindow {
  long: number;
  short: number;
  /** Budget burn rate both windows must exceed: 14.4 spends 2% of a 30-day budget in one hour. */
  factor: number;
}

export interface BurnAlert {
  severity: Severity;
  /** Either pair of windows fires the alert. */
  windows: readonly BurnWindow[];
  /** Omitted: the alert fires at the first evaluation that sees both windows over the factor. */
  for?: number;
}

/**
 * Multi-window, multi-burn-rate alerts (the Google SRE workbook's, for a 30-day budget): fast burns page,
 * slow burns open a ticket. The long window says the budget is really being spent, the short one that it
 * still is, so the alert resolves minutes after the fix instead of hours.
 *
 * The page has no `for:`, as the workbook advises. The long window and MIN_EVENTS_IN_LONG_WINDOW keep a
 * blip from paging (after an hour of steady traffic, 14.4x takes most of a minute of total outage); a
 * `for: 2m` never did, since the short window stays over the factor for minutes after any blip, and it
 * added its two minutes to every real outage (bench/alert-latency.ts measures fault to Slack).
 * The ticket keeps its `for:`: nobody is woken, 15 min is little beside its 1 d and 3 d windows, and it
 * stops a burn hovering around 1x or 3x from opening and closing tickets.
 */
export const BURN_ALERTS: readonly BurnAlert[] = [
  {
    severity: "critical",
    windows: [
      { long: HOUR, short: 5 * MINUTE, factor: 14.4 },
      { long: 6 * HOUR, short: 30 * MINUTE, factor: 6 },
    ],
  },
  {
    severity: "warning",
    windows: [
      { long: DAY, short: 2 * HOUR, factor: 3 },
      { long: 3 * DAY, short: 6 * HOUR, factor: 1 },
    ],
    for: 15 * MINUTE,
  },
];

/**
 * Fewest requests the long window must hold before a burn-rate alert may fire: below it one failed request
 * is a large share, and a service with little traffic would page on noise.
 */
export const MIN_EVENTS_IN_LONG_WINDOW = 100;

/** Model alert thresholds. */
export const MODEL = {
  /** Share of a version's requests answered `unavailable` or `error` that warns. */
  errorRatio: 0.05,
  errorWindow: 5 * MINUTE,
  errorMinRequests: 20,
  errorFor: 5 * MINUTE,
  /** No version of a model ready for this long pages. */
  notLoadedFor: MINUTE,
  loadFailedFor: MINUTE,
  /**
   * Low-confidence share (predictions at or below LOW_CONFIDENCE) that counts as a collapse: above both
   * `collapseFactor` times the training baseline and the baseline plus `collapseMargin`.
   */
  collapseFactor: 3,
  collapseMargin: 0.1,
  confidenceWindow: 30 * MINUTE,
  confidenceMinPredictions: 200,
  confidenceFor: 15 * MINUTE,
  /** PSI over the API's DRIFT_PSI_THRESHOLD for this long warns. */
  driftFor: 15 * MINUTE,
  /** Total variation distance between live and training class shares that warns (0: same, 1: disjoint). */
  classShift: 0.25,
  classWindow: HOUR,
  classMinPredictions: 200,
  classFor: 15 * MINUTE,
  /** A ready model with no request for this long is worth knowing (info). */
  noTrafficWindow: 15 * MINUTE,
  noTrafficFor: 15 * MINUTE,
} as const;

/**
 * Model quality from labels (feedback) and from confidence. The guard against noise is one-sided: a
 * Wilson score bound at `z` (1.645: 95% one-sided), so an alert says "the true accuracy is below X with
 * 95% confidence", whatever the number of labels; with few labels the bound is wide and nothing fires.
 */
export const QUALITY = {
  /** Windows of the recorded accuracy, macro F1, MAE, RMSE, estimated accuracy and coverage. */
  windows: [HOUR, DAY],
  /** The window the alerts read. */
  alertWindow: HOUR,
  z: 1.645,
  /** Realized accuracy's upper bound this far below the card's held-out accuracy warns. */
  accuracyMargin: 0.05,
  accuracyFor: 10 * MINUTE,
  /**
   * A regressor's MAE, its lower bound (quality-rules.ts says which) this share above the card's MAE, is a
   * loss. The card's MAE is from held-out rows (`npm run model -- add --heldout`); a card measured on the
   * training rows is optimistic and needs a wider margin.
   */
  maeMargin: 0.25,
  maeFor: 10 * MINUTE,
  /**
   * Estimated accuracy over the alert window, its upper bound this far below its own lower bound over the
   * `trendWindow` before, warns early: the model's confidence fell from its own level, whatever its card says.
   */
  estimatedFall: 0.1,
  /** The model's own recent level: one of `windows`, read `alertWindow` back so the two do not overlap. */
  trendWindow: DAY,
  /** Labels for this share of the window's predictions or more let realized accuracy speak instead. */
  estimatedMaxCoverage: 0.1,
  estimatedFor: 15 * MINUTE,
  /** Estimated minus realized accuracy beyond the realized bound by this much: confidence no longer means what it did. */
  estimateGap: 0.15,
  gapFor: 15 * MINUTE,
  /** Labels arrived in `labelsHistory` but none in `labelsStoppedWindow` while predictions go on. */
  labelsHistory: DAY,
  labelsStoppedWindow: HOUR,
  labelsStoppedFor: 15 * MINUTE,
} as const;

/** Pipeline alert timings. */
export const PIPELINE = {
  collectorDownFor: MINUTE,
  scrapeMissingFor: 5 * MINUTE,
  collectorErrorWindow: 5 * MINUTE,
  collectorErrorFor: 5 * MINUTE,
  /** The API exports every 5 s; two minutes without a sample is no hiccup. */
  telemetryWindow: 2 * MINUTE,
  telemetryMissingFor: 2 * MINUTE,
  ruleFailureWindow: 5 * MINUTE,
  alertmanagerWindow: 5 * MINUTE,
  /**
   * Alertmanager counts a failed notification once, when its retries end, which takes up to group_interval
   * (5 min here): a 5 min window would see the count drop to zero between failures and restart the `for:`
   * (test/alerting/alertmanager-ha.test.ts measured it). Three retry periods keep the rate above zero.
   */
  notificationsFailedWindow: 15 * MINUTE,
  notConnectedFor: 5 * MINUTE,
  notificationsFailingFor: 5 * MINUTE,
} as const;

/**
 * Where alert annotations link to: the runbooks (the deployment guide's "Runbooks" section, one heading per
 * alert) and Grafana as people reach it. `npm run rules` takes them from the environment, else from
 * .env.example, and writes them into the rule files.
 */
export const ALERT_LINKS = {
  runbookBaseUrl: process.env.INFERWATCH_RUNBOOK_BASE_URL || envExample("INFERWATCH_RUNBOOK_BASE_URL"),
  grafanaUrl: process.env.INFERWATCH_GRAFANA_URL || envExample("INFERWATCH_GRAFANA_URL"),
} as const;

export function checkLatencyThreshold(seconds: number): void {
  if (!(SECONDS_BUCKETS as readonly number[]).includes(seconds)) {
    throw new Error(`latency threshold ${seconds} s is not a bound of SECONDS_BUCKETS`);
  }
}
