import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { StackSettings } from "../../stack/components.js";
import { ENV_EXAMPLE } from "../../stack/env-example.js";
import { REPO_ROOT } from "../../stack/layout.js";
import { DEFAULT_PORTS } from "../../stack/ports.js";

/**
 * docker-compose.monitoring.yml as Compose reads it: the YAML, then every `${...}` replaced from .env (here,
 * .env.example with the one value a user must add). No Docker engine runs here, so this is what the tests
 * inspect instead of `docker compose config`.
 */

export const COMPOSE_FILE = join(REPO_ROOT, "docker-compose.monitoring.yml");

export interface Healthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  networks?: string[];
  profiles?: string[];
  secrets?: { source: string; target: string }[];
  deploy?: { resources?: { limits?: { memory?: string } } };
}

export interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

export class InterpolationError extends Error {}

/** `.env` as the guide's quick start makes it: .env.example plus the required Grafana password. */
export function dotEnv(): Record<string, string> {
  const env: Record<string, string> = Object.fromEntries(ENV_EXAMPLE.map((e) => [e.name, e.value]));
  env.GRAFANA_ADMIN_PASSWORD = "a-password-set-in-dot-env";
  return env;
}

/**
 * Compose's interpolation: `$$` is a literal `$`; `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `${NAME:?error}`, `${NAME?error}`. A variable that is unset and has no default is an error here (Compose
 * would warn and use ""), so every variable the file uses must come from .env.
 */
export function interpolate(text: string, env: Record<string, string>, used?: Set<string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === "$$") return "$";
      const key = name as string;
      used?.add(key);
      const value = env[key];
      const unsetOrEmpty = value === undefined || (op?.startsWith(":") && value === "");
      if (op === ":-" || op === "-") return unsetOrEmpty ? (arg ?? "") : (value as string);
      if (op === ":?" || op === "?") {
        if (unsetOrEmpty) throw new InterpolationError(`${key}: ${arg}`);
        return value as string;
      }
      if (value === undefined) throw new InterpolationError(`${key} is not set and has no default`);
      return value;
    },
  );
}

/** Every string in a parsed YAML value interpolated; keys are left alone, as Compose does. */
export function interpolateDeep<T>(value: T, env: Record<string, string>, used?: Set<string>): T {
  if (typeof value === "string") return interpolate(value, env, used) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, used)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, used)])) as T;
  }
  return value;
}

export function composeSource(): string {
  return readFileSync(COMPOSE_FILE, "utf8");
}

/** The file as written, `${...}` still in it. */
export function rawCompose(): ComposeFile {
  return parse(composeSource()) as ComposeFile;
}

/** The file as Compose runs it with `env` (default: the quick start's .env). */
export function loadCompose(env: Record<string, string> = dotEnv(), used?: Set<string>): ComposeFile {
  return interpolateDeep(rawCompose(), env, used);
}

/** `host:container[:mode]` of a short-syntax volume; named volumes have no `./` or `/` at the start. */
export function parseVolume(spec: string): {
  source: string;
  target: string;
  bind: boolean;
  readOnly: boolean;
} {
  const [source = "", target = "", mode] = spec.split(":");
  return { source, target, bind: /^[./]/.test(source), readOnly: mode === "ro" };
}

/** `--flag=value` arguments by flag name. */
export function flags(args: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of args) {
    const m = /^(--[a-z0-9.-]+)(?:=(.*))?$/.exec(arg);
    if (m) out.set(m[1] as string, m[2] ?? "");
  }
  return out;
}

/** `host:port` split, for addresses and URLs. */
export function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)/.exec(address);
  if (!m) throw new Error(`no host:port in ${address}`);
  return { host: m[1] as string, port: Number(m[2]) };
}

/** The native stack's settings with its default ports and the compiled API: what Compose must match. */
export const NATIVE_STACK: StackSettings = {
  ports: DEFAULT_PORTS,
  runDir: "/run",
  api: "dist",
  tuning: {},
  retention: "7d",
  apiEnv: {},
};
