import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DASHBOARDS } from "../../grafana/src/dashboards/index.js";

/**
 * The provisioned dashboards as Grafana reads them: the committed JSON files, typed only as far as the tests
 * look into them.
 */

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  expr: string;
  datasource?: DatasourceRef;
  instant?: boolean;
  range?: boolean;
  exemplar?: boolean;
  format?: string;
}

export interface PanelJson {
  id: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: DatasourceRef;
  gridPos?: { w: number; h: number };
  maxDataPoints?: number;
  interval?: string;
  /** The panel's own relative time range ("1h"), replacing the dashboard's. */
  timeFrom?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}

export interface VariableJson {
  type: string;
  name: string;
  query?: string | { query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { text?: string | string[]; value?: string | string[] };
  datasource?: DatasourceRef;
  sort?: number;
}

export interface DashboardJson {
  uid: string;
  title: string;
  time: { from: string; to: string };
  templating: { list: VariableJson[] };
  panels: PanelJson[];
  timepicker?: { refresh_intervals?: string[]; quick_ranges?: { from: string; to: string }[] };
}

export const GRAFANA_DIR = fileURLToPath(new URL("../../grafana/", import.meta.url));

export function committedDashboards(): { file: string; dashboard: DashboardJson }[] {
  return DASHBOARDS.map(({ file }) => ({
    file,
    dashboard: JSON.parse(readFileSync(join(GRAFANA_DIR, "dashboards", file), "utf8")) as DashboardJson,
  }));
}

/** Panels that show data (rows are layout). */
export function dataPanels(dashboard: DashboardJson): PanelJson[] {
  return dashboard.panels.filter((p) => p.type !== "row");
}

export function variableQuery(variable: VariableJson): string {
  return typeof variable.query === "string" ? variable.query : (variable.query?.query ?? "");
}
