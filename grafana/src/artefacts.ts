import { DASHBOARDS } from "./dashboards/index.js";
import { formatJson } from "./format.js";
import { dashboardsYaml, datasourcesYaml, grafanaIni, HOME_DASHBOARD_UID } from "./provisioning.js";

/**
 * Every file `npm run dashboards` writes, by path under grafana/. Compose mounts them as they are committed;
 * a test fails when the committed copies differ from these.
 */
export function artefacts(): Map<string, string> {
  const files = new Map<string, string>();
  let home: string | undefined;
  for (const { file, build } of DASHBOARDS) {
    const dashboard = build();
    if (dashboard.uid === HOME_DASHBOARD_UID) home = file;
    const path = `dashboards/${file}`;
    files.set(path, formatJson(`grafana/${path}`, JSON.stringify(dashboard, null, 2)));
  }
  if (!home) throw new Error(`no dashboard has the home uid ${HOME_DASHBOARD_UID}`);
  files.set("provisioning/datasources/inferwatch.yaml", datasourcesYaml());
  files.set("provisioning/dashboards/inferwatch.yaml", dashboardsYaml());
  files.set("grafana.ini", grafanaIni(home));
  return files;
}
