import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binary, REPO_ROOT } from "../../stack/layout.js";
import { address, freePorts } from "../../stack/ports.js";
import { waitUntilReady } from "../../stack/readiness.js";
import { Supervised } from "../../stack/supervisor.js";

/**
 * A Prometheus of the stack's version on a backfilled data directory, on a free port, with no scrape targets
 * and no rules: it only answers queries over the blocks it finds.
 */

/** What the Go generator writes beside its blocks (bench/backfill/main.go). */
export interface BackfillSummary {
  series: number;
  samples: number;
  blocks: number;
  start: string;
  end: string;
  endUnixMilli: number;
  seconds: number;
  diskBytes: number;
  /** Recording rules the generator wrote itself (-record-increase): native histograms promtool cannot. */
  recorded?: string[];
}

export const DEFAULT_DATA_DIR = join(REPO_ROOT, "bench", "backfill", "out", "data");

export function readSummary(dataDir: string): BackfillSummary {
  return JSON.parse(readFileSync(join(dataDir, "backfill.json"), "utf8")) as BackfillSummary;
}

export interface BenchPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** Retention as the stack's (7 days): it also decides the block ranges compaction builds (6 h at most). */
const RETENTION = "7d";

export async function startPrometheus(dataDir: string, logDir: string): Promise<BenchPrometheus> {
  mkdirSync(logDir, { recursive: true });
  const config = join(logDir, "prometheus.yml");
  writeFileSync(config, "global:\n  scrape_interval: 15s\n");
  const port = (await freePorts()).prometheus;
  const child = Supervised.launch({
    name: "prometheus",
    command: binary("prometheus"),
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--storage.tsdb.retention.time=${RETENTION}`,
      `--web.listen-address=${address(port)}`,
    ],
    env: {},
    cwd: REPO_ROOT,
    logFile: join(logDir, "prometheus.log"),
  });
  const url = `http://${address(port)}`;
  try {
    await waitUntilReady(`${url}/-/ready`, child, { timeoutMs: 300_000, intervalMs: 500 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    url,
    async stop() {
      await child.stop(60_000);
    },
  };
}

interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats?: { numSamples?: number; numSeries?: number };
}

/** The blocks of a data directory, oldest first. */
export function blocks(dataDir: string): BlockMeta[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9A-Z]{26}$/.test(d.name))
    .flatMap((d) => {
      try {
        return [JSON.parse(readFileSync(join(dataDir, d.name, "meta.json"), "utf8")) as BlockMeta];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.minTime - b.minTime);
}

/** Pairs of blocks whose time ranges overlap: Prometheus merges them in its next compactions. */
export function overlaps(dataDir: string): number {
  const all = blocks(dataDir);
  let n = 0;
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1];
    const cur = all[i];
    if (prev && cur && cur.minTime < prev.maxTime) n++;
  }
  return n;
}
