import { readFileSync } from "node:fs";

/**
 * User plus system CPU time of a process so far, in microseconds (Linux /proc, 10 ms clock ticks). Server
 * CPU per request is the figure other load on this shared machine barely moves, unlike req/s.
 */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
