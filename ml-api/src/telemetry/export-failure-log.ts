import type { Logger } from "pino";

/**
 * When the collector is unreachable every export fails, and the SDK reports each failure. This folds them
 * into one warning per interval, so an outage costs a log line every few seconds, not one per batch. The
 * message says what is lost: metrics are cumulative, so the next export carries every count; a span batch
 * is dropped once the OTLP exporter's retries run out (test/faults/collector-outage.test.ts measures it).
 */
export class ExportFailureLog {
  private failures = 0;
  private last = "";
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly logger: Pick<Logger, "warn">,
    private readonly intervalMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  note(error: unknown): void {
    this.failures++;
    this.last = error instanceof Error ? error.message : String(error);
  }

  flush(): void {
    if (this.failures === 0) return;
    this.logger.warn(
      { failures: this.failures, intervalMs: this.intervalMs, lastError: this.last },
      "telemetry export failing; serving continues, metrics catch up on the next successful export, spans that exhaust their retries are dropped",
    );
    this.failures = 0;
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
