import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  type Panel,
  RowBuilder,
  TimeOptionBuilder,
  TimePickerBuilder,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";

/** What every inferwatch dashboard shares: time ranges, refresh choices, links to the others, read-only. */

/** The tag every provisioned dashboard carries; the links menu lists dashboards by it. */
export const TAG = "inferwatch";

/** Quick time ranges, from the last 5 minutes (a deploy, an incident) to the last week (a trend). */
export const TIME_RANGES = ["5m", "15m", "30m", "1h", "3h", "6h", "12h", "24h", "2d", "7d"] as const;

/**
 * Refresh choices, down to 5 s. Finer than the scrape interval only repeats the same points, but during an
 * incident 5 s keeps the screen in step with the e2e-tuned or a faster-scraped stack.
 */
export const REFRESH_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h"] as const;

export const DEFAULT_TIME = "1h";
export const DEFAULT_REFRESH = "30s";

export interface Row {
  title: string;
  panels: cog.Builder<Panel>[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: cog.Builder<VariableModel>[];
  rows: Row[];
}

function label(range: string): string {
  const n = Number(range.slice(0, -1));
  const unit = { m: "minute", h: "hour", d: "day" }[range.slice(-1)] ?? range;
  return `Last ${n} ${unit}${n === 1 ? "" : "s"}`;
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([TAG, ...spec.tags])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .timezone("browser")
    .time({ from: `now-${DEFAULT_TIME}`, to: "now" })
    .refresh(DEFAULT_REFRESH)
    .timepicker(
      new TimePickerBuilder()
        .refreshIntervals([...REFRESH_INTERVALS])
        .quickRanges(
          TIME_RANGES.map((r) => new TimeOptionBuilder().display(label(r)).from(`now-${r}`).to("now")),
        ),
    )
    .link(
      new DashboardLinkBuilder("inferwatch")
        .type(DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(false)
        .keepTime(true),
    )
    .variables(spec.variables);
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  // Stable ids in layout order: Grafana would otherwise number panels itself on every load.
  (dashboard.panels ?? []).forEach((panel, i) => {
    (panel as { id?: number }).id = i + 1;
  });
  return dashboard;
}
