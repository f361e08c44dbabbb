/**
 * Takes the template the backfill generator multiplies: the native stack on free ports takes a realistic
 * mix of requests (a version unloaded and loaded again on the way), then Prometheus's own view of every
 * series it holds (the pushed application and host metrics, the collector's, Prometheus's and
 * Alertmanager's own metrics, `up` and the scrape series, ALERTS) is read once through /federate. Recorded series (names with a colon)
 * are left out: the backfill evaluates the rules itself.
 *
 *   node --import tsx bench/backfill/capture.ts [out-dir]   (default bench/backfill/template)
 *
 * Writes two snapshots of the federation text (every series with its job, instance and timestamp, as the
 * stack has them): `before.prom` halfway through the traffic and `after.prom` at its end. A counter's rate is
 * its growth between the two (federation keeps no types: the generator tells counters by their names).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLED_MODEL_REPOSITORY } from "../../ml-api/src/config.js";
import { startE2EStack } from "../../test/e2e/e2e-stack.js";
import { seeded } from "../../traffic/random.js";
import { type PlannedRequest, RequestMix } from "../../traffic/request-mix.js";
import { send } from "../../traffic/sender.js";
import { discoverTarget, heldOutRecords } from "../../traffic/target.js";

const OUT = process.argv[2] ?? fileURLToPath(new URL("template/", import.meta.url));
/** Requests per second and seconds of traffic: enough for every histogram bucket and drift window to fill. */
const RATE = 25;
const SECONDS = 90;
/** Requests to a version while it is unloaded: `unavailable` outcomes and 5xx. */
const WHILE_UNLOADED = 4;

const say = (line: string) => process.stdout.write(`[capture] ${line}\n`);

const e2e = await startE2EStack();

/** Every series Prometheus holds now, recorded ones (names with a colon) left out. */
async function federate(): Promise<string> {
  const url = new URL("/federate", e2e.url("prometheus"));
  url.searchParams.set("match[]", '{__name__=~".+"}');
  const text = await (await fetch(url)).text();
  const kept = text.split("\n").filter((line) => line.length > 0 && !/^(# TYPE )?[a-zA-Z_]\w*:/.test(line));
  return `${kept.join("\n")}\n`;
}

/** A few scrapes and a span metrics flush (1 s each in the e2e tuning), so the last requests are counted. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

const startedAt = Date.now();
try {
  say(`stack started in ${(e2e.stack.startMs / 1000).toFixed(1)} s`);
  const api = e2e.url("api");
  const target = await discoverTarget(api, "penguins", BUNDLED_MODEL_REPOSITORY);
  const mix = new RequestMix(target, heldOutRecords(BUNDLED_MODEL_REPOSITORY, target), seeded(8), {
    missingRate: 0.05,
  });
  const options = { baseUrl: api, rate: RATE, concurrency: 8 };
  const repository = (action: string) =>
    fetch(`${api}/v2/repository/models/penguins/${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: e2e.stack.controlAuthorization },
      body: JSON.stringify({ parameters: { version: "1" } }),
    }).then((r) => r.status);
  await send(
    Array.from({ length: (RATE * SECONDS) / 2 }, () => mix.next()),
    options,
  );
  await settle();
  const before = await federate();
  if ((await repository("unload")) !== 200) throw new Error("unload failed");
  const v1: PlannedRequest = { ...mix.of("v2_version"), path: "/v2/models/penguins/versions/1/infer" };
  await send(
    Array.from({ length: WHILE_UNLOADED }, () => v1),
    options,
  );
  if ((await repository("load")) !== 200) throw new Error("load failed");
  await send(
    Array.from({ length: (RATE * SECONDS) / 2 }, () => mix.next()),
    options,
  );
  await settle();
  const after = await federate();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "before.prom"), before);
  writeFileSync(join(OUT, "after.prom"), after);
  const series = after.split("\n").filter((l) => l.length > 0 && !l.startsWith("#")).length;
  say(`${series} series after ${((Date.now() - startedAt) / 1000).toFixed(0)} s, in ${OUT}`);
} finally {
  await e2e.stop(false);
}
