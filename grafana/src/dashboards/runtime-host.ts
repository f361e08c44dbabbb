import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { DASHBOARD_UIDS } from "../../../contract/dashboard-uids.js";
import { HOST } from "../../../contract/external-metrics.js";
import { rate, sel, sumBy } from "../../../contract/promql.js";
import { buildDashboard } from "../dashboard.js";
import { timeseries } from "../panels.js";
import { recordedGauge, recordedRate } from "../recorded.js";
import { datasourceVariable, SCOPES, serviceVariables, sourceVariables } from "../variables.js";

/**
 * Runtime and host: the ML API process (CPU, memory, event loop, garbage collection, heap) and the machine
 * it runs on (CPU, memory, disk, network) as the collector's host metrics see it.
 */

const S = SCOPES.service;
const H = SCOPES.host;

export function runtimeHost(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.runtime,
    title: "inferwatch / Runtime and host",
    description:
      "The ML API's Node.js runtime (CPU, memory, event-loop delay and utilisation, GC, heap) and the host's CPU, memory, disk and network.",
    tags: ["runtime", "host"],
    variables: [
      datasourceVariable(),
      ...serviceVariables(),
      ...sourceVariables({
        scope: H,
        probe: HOST.cpuTime,
        label: "host metrics",
        description: "The collector job whose host_metrics receiver reports the host.",
      }),
    ],
    rows: [
      {
        title: "ML API process",
        panels: [
          timeseries({
            title: "Process CPU",
            description:
              "CPU time the API process uses per second, by mode (user, system): 1 is one whole core. ONNX Runtime runs on the event-loop thread, so a process near 1 is saturated whatever the host has free.",
            unit: units.PercentUnit,
            min: 0,
            stacked: true,
            queries: [
              {
                expr: recordedRate("processCpu", S, ["instance", "cpu_mode"]),
                legend: "{{cpu_mode}} {{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Process memory",
            description:
              "Resident set size of the API process, and the V8 heap within it: used (live objects) and reserved by the heap spaces.",
            unit: units.BytesIEC,
            min: 0,
            queries: [
              {
                expr: recordedGauge("processMemory", "sum", S, ["instance"]),
                legend: "resident {{instance}}",
              },
              {
                expr: recordedGauge("heapSize", "sum", S, ["instance"]),
                legend: "heap reserved {{instance}}",
              },
              { expr: recordedGauge("heapUsed", "sum", S, ["instance"]), legend: "heap used {{instance}}" },
            ],
          }),
          timeseries({
            title: "Event-loop delay",
            description:
              "How late the event loop runs a timer: p50, p90 and p99 over each export interval, and the maximum. Every request waits at least this long; an inference holds the loop for its run.",
            unit: units.Seconds,
            min: 0,
            queries: [
              {
                expr: recordedGauge("eventLoopDelayP50", "max", S, ["instance"]),
                legend: "p50 {{instance}}",
              },
              {
                expr: recordedGauge("eventLoopDelayP90", "max", S, ["instance"]),
                legend: "p90 {{instance}}",
              },
              {
                expr: recordedGauge("eventLoopDelayP99", "max", S, ["instance"]),
                legend: "p99 {{instance}}",
              },
              {
                expr: recordedGauge("eventLoopDelayMax", "max", S, ["instance"]),
                legend: "max {{instance}}",
              },
            ],
          }),
          timeseries({
            title: "Event-loop utilisation",
            description:
              "Share of time the event loop was busy rather than waiting for I/O. Near 100 % the process cannot take more work, whatever its CPU says.",
            unit: units.PercentUnit,
            min: 0,
            max: 1,
            queries: [
              { expr: recordedGauge("eventLoopUtilization", "max", S, ["instance"]), legend: "{{instance}}" },
            ],
          }),
          timeseries({
            title: "Garbage collection",
            description:
              "Share of wall-clock time spent in V8 garbage collection: per instance, all kinds together, and (dashed) by kind (minor, major, incremental, weakcb) averaged over the service's instances, whatever the instance choice. Major collections pause the event loop.",
            unit: units.PercentUnit,
            min: 0,
            dashed: "^kind .*",
            queries: [
              { expr: recordedRate("gcByInstance", S, ["instance"]), legend: "{{instance}}" },
              {
                expr: recordedRate("gcByKind", S, ["v8js_gc_type"]),
                legend: "kind {{v8js_gc_type}}",
              },
            ],
          }),
          timeseries({
            title: "Heap used by space",
            description:
              "V8 heap in use by heap space (new, old, code, large objects...). A steadily growing old space is a leak.",
            unit: units.BytesIEC,
            min: 0,
            stacked: true,
            queries: [
              {
                expr: recordedGauge("heapUsedBySpace", "sum", S, ["v8js_heap_space_name"]),
                legend: "{{v8js_heap_space_name}}",
              },
            ],
          }),
        ],
      },
      {
        title: "Host",
        panels: [
          timeseries({
            title: "Host CPU by state",
            description:
              "CPU time the whole host spends per second in each state (user, system, idle, iowait...): the total is the number of cores. Other processes on the host compete with the API here.",
            unit: units.Short,
            min: 0,
            stacked: true,
            queries: [{ expr: sumBy(["state"], rate(sel(HOST.cpuTime, H))), legend: "{{state}}" }],
          }),
          timeseries({
            title: "Host load average (1 min)",
            description:
              "Runnable and waiting processes averaged over a minute; above the core count, work queues.",
            unit: units.Short,
            min: 0,
            queries: [{ expr: `max by (instance) (${sel(HOST.load1m, H)})`, legend: "{{instance}}" }],
          }),
          timeseries({
            title: "Host memory by state",
            description: "The host's memory by state (used, free, cached, buffered...).",
            unit: units.BytesIEC,
            min: 0,
            stacked: true,
            queries: [{ expr: sumBy(["state"], sel(HOST.memoryUsage, H)), legend: "{{state}}" }],
          }),
          timeseries({
            title: "Host network",
            description: "Bytes per second through each network device, received and transmitted.",
            unit: units.BytesPerSecondIEC,
            queries: [
              {
                expr: sumBy(["device", "direction"], rate(sel(HOST.networkIo, H))),
                legend: "{{device}} {{direction}}",
              },
            ],
          }),
          timeseries({
            title: "Host network errors and drops",
            description: "Packets per second that a network device failed on or dropped.",
            unit: units.PacketsPerSecond,
            queries: [
              {
                expr: sumBy(["device", "direction"], rate(sel(HOST.networkErrors, H))),
                legend: "errors {{device}} {{direction}}",
              },
              {
                expr: sumBy(["device", "direction"], rate(sel(HOST.networkDropped, H))),
                legend: "dropped {{device}} {{direction}}",
              },
            ],
          }),
          timeseries({
            title: "Host filesystem usage",
            description:
              "Filesystem space used by mount point. Needs the filesystem scraper of the collector's host_metrics receiver.",
            unit: units.BytesIEC,
            min: 0,
            queries: [
              {
                expr: sumBy(["mountpoint"], sel(HOST.filesystemUsage, H, `state="used"`)),
                legend: "{{mountpoint}}",
              },
            ],
          }),
          timeseries({
            title: "Host disk I/O",
            description:
              "Bytes per second read from and written to each disk. Needs the disk scraper of the collector's host_metrics receiver.",
            unit: units.BytesPerSecondIEC,
            min: 0,
            queries: [
              {
                expr: sumBy(["device", "direction"], rate(sel(HOST.diskIo, H))),
                legend: "{{direction}} {{device}}",
              },
            ],
          }),
        ],
      },
    ],
  });
}
