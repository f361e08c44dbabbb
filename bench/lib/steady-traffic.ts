import { HTTP_ROUTES, routePath } from "../../contract/http-routes.js";
import { ADELIE_V1, v2Body, withoutSex } from "../../test/support/penguins.js";
import type { PlannedRequest } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";

/**
 * Steady inference traffic to a model's latest version through traffic/sender.ts, until stopped: the
 * requests burn-rate alerts need as a denominator, and the failures a fault turns them into. Answers are
 * counted by status (0: no answer).
 */
export class SteadyTraffic {
  readonly statuses = new Map<number, number>();
  private readonly abort = new AbortController();
  private readonly done: Promise<unknown>;

  constructor(baseUrl: string, model: string, rate: number) {
    const request: PlannedRequest = {
      kind: "v2_latest",
      method: "POST",
      path: routePath(HTTP_ROUTES.v2Infer, { name: model }),
      route: HTTP_ROUTES.v2Infer.template,
      body: JSON.stringify(v2Body([withoutSex(ADELIE_V1)])),
      rows: 1,
      expected: { status: 200 },
    };
    const forever = function* () {
      for (;;) yield request;
    };
    this.done = send(forever(), { baseUrl, rate, concurrency: 4, signal: this.abort.signal }, (sent) =>
      this.statuses.set(sent.status, (this.statuses.get(sent.status) ?? 0) + 1),
    );
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
