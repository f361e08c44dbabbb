import { performance } from "node:perf_hooks";
import type { BaselineMetric, ModelState } from "../../../contract/metric-catalogue.js";
import { ApiError, ModelNotFoundError, ModelUnavailableError, quote } from "../errors.js";
import { LoadedModel, type SessionOptions } from "./loaded-model.js";
import { heldOutQuality } from "./model-card.js";
import { compareVersions, type ModelRepository } from "./model-repository.js";
import type { ModelProfile } from "./profile.js";
import { type DriftWindowOptions, ServedDataMonitor } from "./served-data-monitor.js";
import type { Task } from "./signature.js";

export type { ModelState };

/** Where load and unload events go; the model metrics implement it. */
export interface LifecycleEvents {
  recordLoad(model: string, version: string, seconds: number, ok: boolean): void;
  recordUnload(model: string, version: string): void;
}

export interface RegistryOptions {
  session: SessionOptions;
  drift: DriftWindowOptions;
  /** Absent in tests that do not look at metrics. */
  metrics?: LifecycleEvents;
}

/** A model version as the metrics read it at collection time: telemetry reads the domain, never the reverse. */
export interface VersionView {
  name: string;
  version: string;
  state: ModelState;
  checksum?: string;
  trainedAt?: string;
  task?: Task;
  served?: ServedDataMonitor;
  /** The card's held-out quality, by metric. */
  baseline?: Partial<Record<BaselineMetric, number>>;
}

export interface VersionStatus {
  name: string;
  version: string;
  state: ModelState;
  /** Why the version is not ready, when it is not. */
  reason: string;
}

/** A loaded model in use by one request; unloading waits for every lease to be released. */
export interface Lease {
  readonly model: LoadedModel;
  readonly served: ServedDataMonitor;
  release(): void;
}

interface Handle {
  model: LoadedModel;
  leases: number;
  retired: boolean;
}

interface Entry {
  state: ModelState;
  reason: string;
  handle?: Handle;
  pending?: Promise<void>;
  /** Outlives unload and reload, so the counts it reports only ever grow while the bytes stay the same. */
  served?: { checksum: string; monitor: ServedDataMonitor };
}

/**
 * Which model versions exist and which are loaded. Requests lease a version, so an unload never pulls a
 * session out from under a request already accepted: the session is released when its last lease ends.
 */
export class ModelRegistry {
  private readonly models = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly repository: ModelRepository,
    private readonly options: RegistryOptions,
  ) {}

  /** Loads every version of every model in the repository; a version that fails is marked failed. */
  async loadAll(): Promise<void> {
    for (const name of await this.repository.modelNames()) {
      await this.load(name).catch(() => undefined);
    }
  }

  /** Every version in the repository with its state; rescans the disk so new models show up. */
  async index(): Promise<VersionStatus[]> {
    for (const name of await this.repository.modelNames()) await this.refresh(name);
    return this.statuses();
  }

  statuses(): VersionStatus[] {
    const out: VersionStatus[] = [];
    for (const [name, versions] of this.models) {
      for (const [version, entry] of versions)
        out.push({ name, version, state: entry.state, reason: entry.reason });
    }
    return out;
  }

  /** Every known version, as the metrics read them at collection time. */
  *views(): Iterable<VersionView> {
    for (const [name, versions] of this.models) {
      for (const [version, entry] of versions) {
        const model = entry.handle?.model;
        const files = model?.files;
        yield {
          name,
          version,
          state: entry.state,
          ...(files && model
            ? {
                checksum: files.checksum,
                trainedAt: files.card.trainedAt,
                task: model.task,
                baseline: heldOutQuality(files.card),
              }
            : {}),
          ...(entry.served ? { served: entry.served.monitor } : {}),
        };
      }
    }
  }

  /**
   * The profile of a version this replica has loaded at some time, for joining labels: it outlives an
   * unload. Undefined for a version never loaded here.
   */
  profileOf(name: string, version: string): ModelProfile | undefined {
    return this.models.get(name)?.get(version)?.served?.monitor.profile;
  }

  /** True when at least one model is known and every known version is loaded. */
  ready(): boolean {
    const all = this.statuses();
    return all.length > 0 && all.every((s) => s.state === "ready");
  }

  /** Whether `name` (at `version`, or any version) can serve now; unknown model or version: 404. */
  isReady(name: string, version?: string): boolean {
    return this.known(name, version).some(([, entry]) => entry.state === "ready");
  }

  /** Throws 404 unless the repository knows `name` (and `version`, when given), loaded or not. */
  requireKnown(name: string, version?: string): void {
    this.known(name, version);
  }

  private known(name: string, version?: string): [string, Entry][] {
    const versions = this.models.get(name);
    if (!versions) throw new ModelNotFoundError(`model ${quote(name)} not found`);
    return this.targets(name, versions, version);
  }

  /** Versions of a known model, oldest first. */
  versionsOf(name: string): string[] {
    return [...(this.models.get(name)?.keys() ?? [])];
  }

  async load(name: string, version?: string): Promise<void> {
    const versions = await this.refresh(name);
    const targets = this.targets(name, versions, version);
    await Promise.all(targets.map(([v, entry]) => this.loadVersion(name, v, entry)));
    const failed = targets.filter(([, entry]) => entry.state === "failed");
    if (failed.length > 0) {
      const detail = failed.map(([v, e]) => `version ${v}: ${e.reason}`).join("; ");
      throw new ApiError(500, `failed to load model ${quote(name)}: ${detail}`, "load_failed");
    }
  }

  async unload(name: string, version?: string): Promise<void> {
    const versions = this.models.get(name);
    if (!versions) throw new ModelNotFoundError(`model ${quote(name)} is not in the repository`);
    for (const [v, entry] of this.targets(name, versions, version)) {
      await entry.pending;
      const handle = entry.handle;
      entry.handle = undefined;
      entry.state = "unloaded";
      entry.reason = `unloaded through the repository API; load it with POST /v2/repository/models/${name}/load`;
      if (handle) {
        this.retire(handle);
        this.options.metrics?.recordUnload(name, v);
      }
    }
  }

  /**
   * Leases the requested version, or the latest loaded one when `version` is absent.
   * Unknown model or version: 404. Known but not loaded: 503, because the fault is the server's.
   */
  acquire(name: string, version?: string): Lease {
    const versions = this.models.get(name);
    if (!versions) throw new ModelNotFoundError(`model ${quote(name)} not found`);
    const chosen = version ?? this.latestReady(name, versions);
    const entry = versions.get(chosen);
    if (!entry) throw new ModelNotFoundError(`model ${quote(name)} has no version ${quote(chosen)}`);
    const handle = entry.handle;
    if (entry.state !== "ready" || !handle) {
      throw new ModelUnavailableError(
        `model ${quote(name)} version ${quote(chosen)} is ${entry.state}: ${entry.reason}`,
      );
    }
    handle.leases++;
    let released = false;
    return {
      model: handle.model,
      served: (entry.served as { monitor: ServedDataMonitor }).monitor,
      release: () => {
        if (released) return;
        released = true;
        handle.leases--;
        if (handle.retired && handle.leases === 0) void handle.model.release();
      },
    };
  }

  private latestReady(name: string, versions: Map<string, Entry>): string {
    const ready = [...versions].filter(([, e]) => e.state === "ready").map(([v]) => v);
    const latest = ready.sort(compareVersions).at(-1);
    if (latest === undefined) {
      const reason = [...versions.values()].at(-1)?.reason ?? "not loaded";
      throw new ModelUnavailableError(`model ${quote(name)} has no loaded version: ${reason}`);
    }
    return latest;
  }

  /** Runs `use` with a leased model version, releasing the lease however `use` ends. */
  async withModel<T>(
    name: string,
    version: string | undefined,
    use: (model: LoadedModel, lease: Lease) => Promise<T>,
  ): Promise<T> {
    const lease = this.acquire(name, version);
    try {
      return await use(lease.model, lease);
    } finally {
      lease.release();
    }
  }

  /** Releases every session, waiting for none: call after the HTTP server has drained. */
  async close(): Promise<void> {
    for (const versions of this.models.values()) {
      for (const entry of versions.values()) {
        await entry.pending;
        if (entry.handle) await entry.handle.model.release();
        entry.handle = undefined;
        entry.state = "unloaded";
      }
    }
  }

  private async refresh(name: string): Promise<Map<string, Entry>> {
    const onDisk = await this.repository.versions(name);
    if (onDisk.length === 0 && !this.models.has(name)) {
      throw new ModelNotFoundError(`model ${quote(name)} is not in the repository`);
    }
    const versions = this.models.get(name) ?? new Map<string, Entry>();
    for (const v of onDisk) {
      if (!versions.has(v)) versions.set(v, { state: "unloaded", reason: "not loaded yet" });
    }
    const sorted = new Map([...versions].sort(([a], [b]) => compareVersions(a, b)));
    this.models.set(name, sorted);
    return sorted;
  }

  private targets(name: string, versions: Map<string, Entry>, version?: string): [string, Entry][] {
    if (version === undefined) return [...versions];
    const entry = versions.get(version);
    if (!entry) throw new ModelNotFoundError(`model ${quote(name)} has no version ${quote(version)}`);
    return [[version, entry]];
  }

  private async loadVersion(name: string, version: string, entry: Entry): Promise<void> {
    if (entry.pending) return entry.pending;
    if (entry.state === "ready") return;
    entry.state = "loading";
    entry.reason = "loading";
    entry.pending = (async () => {
      const started = performance.now();
      try {
        const files = await this.repository.read(name, version);
        const model = await LoadedModel.create(name, version, files, this.options.session);
        if (entry.served?.checksum !== files.checksum) {
          entry.served = {
            checksum: files.checksum,
            monitor: new ServedDataMonitor(files.profile, this.options.drift),
          };
        }
        entry.handle = { model, leases: 0, retired: false };
        entry.state = "ready";
        entry.reason = "";
      } catch (error) {
        entry.state = "failed";
        entry.reason = error instanceof Error ? error.message : String(error);
      } finally {
        entry.pending = undefined;
        this.options.metrics?.recordLoad(
          name,
          version,
          (performance.now() - started) / 1000,
          entry.state === "ready",
        );
      }
    })();
    return entry.pending;
  }

  private retire(handle: Handle): void {
    handle.retired = true;
    if (handle.leases === 0) void handle.model.release();
  }
}
