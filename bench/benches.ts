/**
 * Every benchmark: the entry points beside this file, the question each answers, and whether it runs the
 * compiled API (`npm run bench` builds first for those). bench/README.md lists the same names with their
 * latest results; a test checks that the two and the files agree.
 */
export interface Bench {
  question: string;
  /** Runs dist/ (the API as shipped), so `npm run build` must come first. */
  build: boolean;
}

export const BENCHES = {
  throughput: {
    question: "Requests per second and p99 of the API with and without the SDK, and of a bare handler",
    build: true,
  },
  "grpc-vs-rest": {
    question: "Requests per second, p99 and server CPU of gRPC against REST for the same inference",
    build: false,
  },
  "telemetry-cost": { question: "Server CPU per request of each telemetry setting", build: true },
  instructions: {
    question: "Machine instructions per request of each SDK variant, under callgrind (repeatable)",
    build: true,
  },
  saturation: { question: "What admission control does past capacity", build: true },
  "event-loop-block": {
    question: "How long one inference holds the event loop, by batch size",
    build: false,
  },
  "tree-ensemble": {
    question: "Latency of an exported 100-tree ensemble next to the bundled MLP, by batch size",
    build: false,
  },
  feedback: {
    question: "Cost of issuing prediction ids per prediction, and feedback labels per second on one core",
    build: false,
  },
  freshness: { question: "Seconds from a request answered to it being visible in PromQL", build: false },
  "alert-latency": { question: "Seconds from a fault to its alert in Slack and email", build: false },
  "dashboard-queries": {
    question: "Time of every dashboard panel's queries over 24 h and 7 d of ten replicas",
    build: false,
  },
  soak: { question: "Memory and series of the API and collector over a long run", build: true },
} as const satisfies Record<string, Bench>;

export type BenchName = keyof typeof BENCHES;
