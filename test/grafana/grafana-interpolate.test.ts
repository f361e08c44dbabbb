import { describe, expect, it } from "vitest";
import { type Chosen, interpolate, intervalMs, promDuration, rateIntervalMs } from "./grafana-interpolate.js";

describe("Grafana's variable substitution, as the end-to-end test reproduces it", () => {
  const vars = new Map<string, Chosen>([
    ["job", { all: false, values: ["inferwatch-ml-api"], multi: false, includeAll: false }],
    ["instance", { all: true, allValue: ".*", options: ["a", "b"], multi: true, includeAll: true }],
    ["host", { all: false, values: ["127.0.0.1:8889", "x|y"], multi: true, includeAll: true }],
  ]);

  it("writes single values as they are and regex-escapes multi values", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${name} syntax, not a JS template
    expect(interpolate('up{job=~"$job", instance=~"${instance}", h=~"[[host]]"}', vars)).toBe(
      'up{job=~"inferwatch-ml-api", instance=~".*", h=~"(127\\\\.0\\\\.0\\\\.1:8889|x\\\\|y)"}',
    );
  });

  it("gives $__rate_interval four scrape intervals at least, one step plus a scrape when steps are long", () => {
    const scrape = 15_000;
    const hour = intervalMs(3_600_000, 1_000, scrape);
    expect(hour).toBe(15_000);
    expect(promDuration(rateIntervalMs(hour, scrape))).toBe("1m");
    const week = intervalMs(7 * 86_400_000, 1_000, scrape);
    expect(promDuration(week)).toBe("10m");
    expect(promDuration(rateIntervalMs(week, scrape))).toBe("10m15s");
    expect(
      interpolate("rate(x[$__rate_interval]) / $__range_s", new Map(), {
        intervalMs: hour,
        rateIntervalMs: rateIntervalMs(hour, scrape),
        rangeMs: 3_600_000,
      }),
    ).toBe("rate(x[1m]) / 3600");
  });

  it("leaves unknown variables alone, so a query that uses one fails visibly", () => {
    expect(interpolate('up{job=~"$nope"}', vars)).toBe('up{job=~"$nope"}');
  });
});
