import { METRICS, type MetricKey, type MetricSpec } from "./metric-catalogue.js";

/**
 * The Prometheus name the pinned collector's exporter gives a catalogue metric (add_metric_suffixes on):
 * dots become underscores, "s" adds `_seconds`, "1" adds `_ratio` on gauges only, units in braces add
 * nothing, and counters end in `_total`. Dashboards and alert rules use these, never hand-typed names; the
 * end-to-end suite proves every one of them exists in Prometheus.
 */
export function prometheusName(spec: MetricSpec): string {
  let name = spec.name.replace(/\./g, "_");
  if (spec.unit === "s") name += "_seconds";
  else if (spec.unit === "1" && spec.instrument === "gauge") name += "_ratio";
  if (spec.instrument === "counter") name += "_total";
  return name;
}

/** Every catalogue metric by key, as Prometheus names it. */
export const PROM = Object.fromEntries(
  Object.entries(METRICS).map(([key, spec]) => [key, prometheusName(spec)]),
) as Record<MetricKey, string>;

/** Prometheus label names of the catalogue's attributes: dots become underscores. */
export function promLabel(attribute: string): string {
  return attribute.replace(/\./g, "_");
}
