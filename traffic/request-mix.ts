import { HTTP_ROUTES, type HttpRoute, routePath } from "../contract/http-routes.js";
import type { Outcome } from "../contract/metric-catalogue.js";
import type { ModelProfile } from "../ml-api/src/inference/profile.js";
import { pick, type Random, weighted } from "./random.js";
import { type CsvRecord, type Instance, type ReplayOptions, RowReplay } from "./row-replay.js";

/**
 * What a client population sends an inference API: mostly valid requests over both protocols, single rows
 * and batches, some invalid bodies, a few requests for models or versions that do not exist. Every planned
 * request carries the route template the API labels it with and what the API must answer, so a test that
 * sends a plan knows exactly what Prometheus must count.
 */

export type Kind =
  | "v1_named"
  | "v1_array"
  | "v2_latest"
  | "v2_version"
  | "invalid_v1"
  | "invalid_v2"
  | "malformed_json"
  | "unknown_model"
  | "unknown_version";

/** Shares of each kind in the mix (per 100). */
export const MIX: readonly (readonly [Kind, number])[] = [
  ["v1_named", 33],
  ["v1_array", 10],
  ["v2_latest", 20],
  ["v2_version", 22],
  ["invalid_v1", 5],
  ["invalid_v2", 5],
  ["malformed_json", 1],
  ["unknown_model", 2],
  ["unknown_version", 2],
];

/** Rows per valid request: mostly single rows, some batches up to 128. */
export const BATCH_SIZES: readonly (readonly [number, number])[] = [
  [1, 50],
  [2, 10],
  [4, 10],
  [8, 10],
  [16, 8],
  [32, 6],
  [64, 4],
  [128, 2],
];

/** The model-level series a request adds one to, when the API knows the model and version. */
export interface InferenceCount {
  model: string;
  version: string;
  outcome: Outcome;
}

export interface PlannedRequest {
  kind: Kind;
  method: "POST";
  path: string;
  route: string;
  body: string;
  /** Rows in the body (0 for a body that is not a batch). */
  rows: number;
  expected: { status: number; inference?: InferenceCount };
}

/** The V2 input tensors a version's metadata describes. */
export interface V2Signature {
  inputs: { name: string; datatype: string; shape: number[] }[];
}

/** A served model: its versions' profiles and V2 inputs, and the version requests without one go to. */
export interface ModelTarget {
  name: string;
  profiles: ReadonlyMap<string, ModelProfile>;
  /** Versions without one (not loaded) get one tensor per feature. */
  signatures?: ReadonlyMap<string, V2Signature>;
  latest: string;
}

export interface MixOptions extends ReplayOptions {
  mix?: readonly (readonly [Kind, number])[];
  batchSizes?: readonly (readonly [number, number])[];
}

/** What `npm run traffic` sends: real rows as they are, with their own missing values and no more. */
export const TRAFFIC_MIX: MixOptions = { missingRate: 0 };

/**
 * The OIP V2 request for rows. A version whose metadata has a [N, D] input gets that one matrix, columns in
 * profile order. Otherwise one tensor per field of the rows, FP32 for the profile's numeric features, BYTES
 * for the rest (so a field the model does not know still becomes a tensor), shaped as the metadata says.
 */
export function v2Body(
  profile: ModelProfile,
  instances: Instance[],
  signature?: V2Signature,
): { inputs: unknown[] } {
  const matrix = signature?.inputs.find((i) => i.shape.length === 2 && i.shape[1] !== 1);
  if (matrix) {
    const names = profile.features.map((f) => f.name);
    return {
      inputs: [
        {
          name: matrix.name,
          shape: [instances.length, names.length],
          datatype: matrix.datatype,
          data: instances.flatMap((i) => names.map((n) => i[n] ?? null)),
        },
      ],
    };
  }
  const declared = new Map(signature?.inputs.map((i) => [i.name, i]));
  const numeric = new Set(profile.features.filter((f) => f.type === "numeric").map((f) => f.name));
  return {
    inputs: Object.keys(instances[0] ?? {}).map((name) => ({
      name,
      shape: declared.get(name)?.shape.length === 2 ? [instances.length, 1] : [instances.length],
      datatype: declared.get(name)?.datatype ?? (numeric.has(name) ? "FP32" : "BYTES"),
      data: instances.map((i) => i[name] ?? null),
    })),
  };
}

export class RequestMix {
  private readonly samplers = new Map<string, RowReplay>();

  /** `records`: the real rows to replay, typed by each version's profile. */
  constructor(
    readonly target: ModelTarget,
    records: readonly CsvRecord[],
    private readonly random: Random,
    private readonly options: MixOptions,
  ) {
    for (const [version, profile] of target.profiles) {
      this.samplers.set(version, new RowReplay(profile, records, random, options));
    }
  }

  /** The next request of the mix. */
  next(): PlannedRequest {
    return this.of(weighted(this.random, this.options.mix ?? MIX));
  }

  /** A request of the given kind. */
  of(kind: Kind): PlannedRequest {
    const { name, latest } = this.target;
    const size = () => weighted(this.random, this.options.batchSizes ?? BATCH_SIZES);
    const ok = (version: string): PlannedRequest["expected"] => ({
      status: 200,
      inference: { model: name, version, outcome: "success" },
    });
    const invalid = (version: string): PlannedRequest["expected"] => ({
      status: 400,
      inference: { model: name, version, outcome: "invalid_input" },
    });
    switch (kind) {
      case "v1_named": {
        const rows = this.sampler(latest).rows(size());
        return this.request(kind, HTTP_ROUTES.v1Predict, { name }, { instances: rows }, ok(latest));
      }
      case "v1_array": {
        const sampler = this.sampler(latest);
        const rows = sampler.rows(size()).map((r) => sampler.features.map((f) => r[f] ?? null));
        return this.request(kind, HTTP_ROUTES.v1Predict, { name }, { instances: rows }, ok(latest));
      }
      case "v2_latest": {
        const rows = this.sampler(latest).rows(size());
        const body = this.v2(latest, rows);
        return this.request(kind, HTTP_ROUTES.v2Infer, { name }, body, ok(latest));
      }
      case "v2_version": {
        const version = pick(this.random, [...this.target.profiles.keys()]);
        const body = this.v2(version, this.sampler(version).rows(size()));
        return this.request(kind, HTTP_ROUTES.v2InferVersion, { name, version }, body, ok(version));
      }
      case "invalid_v1": {
        const rows = this.sampler(latest).rows(1 + Math.floor(this.random() * 3));
        const broken = this.breakRows(rows, false);
        return this.request(kind, HTTP_ROUTES.v1Predict, { name }, { instances: broken }, invalid(latest));
      }
      case "invalid_v2": {
        const rows = this.sampler(latest).rows(1 + Math.floor(this.random() * 3));
        const body = this.v2(latest, this.breakRows(rows, this.isMatrix(latest)));
        return this.request(kind, HTTP_ROUTES.v2Infer, { name }, body, invalid(latest));
      }
      case "malformed_json":
        // Rejected by the JSON body parser before any model is looked up: an HTTP 400, no model series.
        return {
          ...this.request(kind, HTTP_ROUTES.v1Predict, { name }, {}, { status: 400 }),
          body: '{"instances": [',
        };
      case "unknown_model": {
        const body = this.v2(latest, this.sampler(latest).rows(1));
        return this.request(kind, HTTP_ROUTES.v2Infer, { name: "no-such-model" }, body, { status: 404 });
      }
      case "unknown_version": {
        const body = this.v2(latest, this.sampler(latest).rows(1));
        return this.request(kind, HTTP_ROUTES.v2InferVersion, { name, version: "999" }, body, {
          status: 404,
        });
      }
    }
  }

  /**
   * Rows the schema rejects: a feature left out, a number sent as text, or a feature the model lacks. In a
   * V2 matrix only text is an error (a left-out cell is a missing value, an extra one is not sent).
   */
  private breakRows(rows: Instance[], matrix: boolean): Instance[] {
    const first = rows[0];
    if (!first) return rows;
    const features = Object.keys(first);
    const feature = pick(this.random, features);
    const how = matrix ? "text" : pick(this.random, ["missing", "text", "extra"] as const);
    return rows.map((row) => {
      const copy: Instance = { ...row };
      if (how === "missing") delete copy[feature];
      else if (how === "extra") copy.beak_colour = "orange";
      else {
        const numeric = features.find((f) => typeof row[f] === "number") ?? feature;
        copy[numeric] = "not a number";
      }
      return copy;
    });
  }

  private request(
    kind: Kind,
    route: HttpRoute,
    params: Record<string, string>,
    body: unknown,
    expected: PlannedRequest["expected"],
  ): PlannedRequest {
    const payload = body as { instances?: unknown[]; inputs?: { shape: number[] }[] };
    const rows = payload.instances?.length ?? payload.inputs?.[0]?.shape[0] ?? 0;
    return {
      kind,
      method: "POST",
      path: routePath(route, params),
      route: route.template,
      body: JSON.stringify(body),
      rows,
      expected,
    };
  }

  private v2(version: string, rows: Instance[]) {
    return v2Body(this.profile(version), rows, this.target.signatures?.get(version));
  }

  private isMatrix(version: string): boolean {
    return (
      this.target.signatures?.get(version)?.inputs.some((i) => i.shape.length === 2 && i.shape[1] !== 1) ??
      false
    );
  }

  private sampler(version: string): RowReplay {
    const sampler = this.samplers.get(version);
    if (!sampler) throw new Error(`no profile for ${this.target.name} version ${version}`);
    return sampler;
  }

  private profile(version: string): ModelProfile {
    return this.sampler(version).profile;
  }
}
