import { createServer } from "node:net";
import { envExample } from "./env-example.js";

/**
 * Every port of the stack, by name. The numbers are written once, in `.env.example` under the variable that
 * moves each one (a test checks the API's equals its own default in ml-api/src/config.ts). The collector and
 * Jaeger configs repeat them as the defaults of their `${env:...:-default}` addresses (a test checks they
 * agree), and the committed Prometheus configs are what rendering them with these defaults gives (tested too).
 */

/** Every component listens on loopback only: the native stack is for this machine. */
export const HOST = "127.0.0.1";

interface PortSpec {
  /** Environment variable of `npm run stack` that moves this port; `.env.example` holds its default. */
  env: string;
  what: string;
}

export const PORT_SPECS = {
  api: { env: "INFERWATCH_API_PORT", what: "ML API (HTTP)" },
  apiGrpc: { env: "INFERWATCH_API_GRPC_PORT", what: "ML API (gRPC)" },
  otlpGrpc: { env: "INFERWATCH_OTLP_GRPC_PORT", what: "collector OTLP gRPC in" },
  otlpHttp: { env: "INFERWATCH_OTLP_HTTP_PORT", what: "collector OTLP HTTP in" },
  collectorTelemetry: {
    env: "INFERWATCH_COLLECTOR_TELEMETRY_PORT",
    what: "collector's own metrics",
  },
  collectorHealth: {
    env: "INFERWATCH_COLLECTOR_HEALTH_PORT",
    what: "collector health check",
  },
  jaegerOtlpGrpc: { env: "INFERWATCH_JAEGER_OTLP_GRPC_PORT", what: "Jaeger OTLP gRPC in" },
  jaegerOtlpHttp: { env: "INFERWATCH_JAEGER_OTLP_HTTP_PORT", what: "Jaeger OTLP HTTP in" },
  jaegerQueryHttp: { env: "INFERWATCH_JAEGER_PORT", what: "Jaeger query HTTP API" },
  jaegerQueryGrpc: { env: "INFERWATCH_JAEGER_GRPC_PORT", what: "Jaeger query gRPC API" },
  jaegerHealth: { env: "INFERWATCH_JAEGER_HEALTH_PORT", what: "Jaeger health check" },
  jaegerTelemetry: { env: "INFERWATCH_JAEGER_TELEMETRY_PORT", what: "Jaeger's own metrics" },
  prometheus: { env: "INFERWATCH_PROMETHEUS_PORT", what: "Prometheus" },
  alertmanager: { env: "INFERWATCH_ALERTMANAGER_PORT", what: "Alertmanager" },
  alertmanagerCluster: {
    env: "INFERWATCH_ALERTMANAGER_CLUSTER_PORT",
    what: "Alertmanager cluster gossip, TCP and UDP (clustered stack only)",
  },
  alertmanagerPeer: {
    env: "INFERWATCH_ALERTMANAGER_PEER_PORT",
    what: "second Alertmanager of a cluster (clustered stack only)",
  },
  alertmanagerPeerCluster: {
    env: "INFERWATCH_ALERTMANAGER_PEER_CLUSTER_PORT",
    what: "second Alertmanager's cluster gossip, TCP and UDP (clustered stack only)",
  },
  mailpitSmtp: { env: "INFERWATCH_MAILPIT_SMTP_PORT", what: "Mailpit SMTP in (alert email)" },
  mailpit: { env: "INFERWATCH_MAILPIT_PORT", what: "Mailpit HTTP API (alert email inbox)" },
} as const satisfies Record<string, PortSpec>;

export type PortName = keyof typeof PORT_SPECS;
export type Ports = Record<PortName, number>;

const NAMES = Object.keys(PORT_SPECS) as PortName[];

export const DEFAULT_PORTS: Ports = Object.fromEntries(
  NAMES.map((name) => [name, Number(envExample(PORT_SPECS[name].env))]),
) as Ports;

export class PortError extends Error {}

/** The default ports, each moved by its environment variable when that is set; duplicates are refused. */
export function portsFromEnv(env: NodeJS.ProcessEnv): Ports {
  const ports = { ...DEFAULT_PORTS };
  const problems: string[] = [];
  for (const name of NAMES) {
    const raw = env[PORT_SPECS[name].env];
    if (raw === undefined || raw === "") continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`${PORT_SPECS[name].env}=${raw} is not a port`);
    } else {
      ports[name] = port;
    }
  }
  const seen = new Map<number, PortName>();
  for (const name of NAMES) {
    const other = seen.get(ports[name]);
    if (other) problems.push(`${name} and ${other} both use port ${ports[name]}`);
    seen.set(ports[name], name);
  }
  if (problems.length > 0) throw new PortError(problems.join("; "));
  return ports;
}

/**
 * Distinct ports that were free a moment ago, from the OS: every listener is held open until all are
 * allocated, so no two coincide. Another process may still take one before the stack binds it; the stack
 * then fails to start with that component's log, rather than talking to a stranger.
 */
export async function freePorts(): Promise<Ports> {
  const servers = await Promise.all(
    NAMES.map(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, HOST, () => resolve(server));
        }),
    ),
  );
  const ports = Object.fromEntries(
    NAMES.map((name, i) => {
      const address = servers[i]?.address();
      if (!address || typeof address === "string") throw new Error("a TCP listener has no port");
      return [name, address.port];
    }),
  ) as Ports;
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * Fails, naming each one, when a port of `names` (default: all) is taken: a stack left running on the same
 * ports would otherwise answer the new one's readiness checks and hide that its components could not start.
 */
export async function assertPortsFree(ports: Ports, names: readonly PortName[] = NAMES): Promise<void> {
  const taken = await Promise.all(
    names.map(
      (name) =>
        new Promise<string | undefined>((resolve) => {
          const server = createServer();
          server.once("error", () =>
            resolve(`${ports[name]} (${PORT_SPECS[name].what}, ${PORT_SPECS[name].env})`),
          );
          server.listen(ports[name], HOST, () => server.close(() => resolve(undefined)));
        }),
    ),
  );
  const problems = taken.filter((t) => t !== undefined);
  if (problems.length > 0) {
    throw new PortError(`ports in use (is another stack running?): ${problems.join("; ")}`);
  }
}

/** `127.0.0.1:<port>`: how the configs spell a listen or target address. */
export function address(port: number): string {
  return `${HOST}:${port}`;
}
