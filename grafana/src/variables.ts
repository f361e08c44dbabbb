import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  type VariableModel,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { ATTR } from "../../contract/metric-catalogue.js";
import { PROM, promLabel } from "../../contract/prometheus-names.js";
import { type Scope, sel } from "../../contract/promql.js";
import { DATASOURCES } from "./datasources.js";

/**
 * Template variables. Every query picks its Prometheus through `$datasource` and its series through a job and
 * an instance variable; each variable lists what Prometheus has (label_values), so nothing is hard-coded and
 * a second deployment of the API shows up as a second choice.
 */

export const DATASOURCE_VARIABLE = "datasource";

/** How panels and variables name their datasource: the variable, never a fixed uid. */
export const PROMETHEUS_REF = { type: DATASOURCES.prometheus.type, uid: `\${${DATASOURCE_VARIABLE}}` };

/** Value of an "All" choice: every series, without listing them in a regex that grows with the fleet. */
const ALL = ".*";

export function datasourceVariable(): cog.Builder<VariableModel> {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label("Data source")
    .description("The Prometheus every panel queries.")
    .type(DATASOURCES.prometheus.type)
    .current({ selected: true, text: DATASOURCES.prometheus.name, value: DATASOURCES.prometheus.uid });
}

interface LabelValuesSpec {
  name: string;
  label: string;
  description: string;
  /** Series whose label values are the choices. */
  selector: string;
  /** The label whose values are listed. */
  of: string;
  /** Several values at once, with an "All" choice (the default). */
  multi: boolean;
}

export function labelValuesVariable(spec: LabelValuesSpec): cog.Builder<VariableModel> {
  const query = `label_values(${spec.selector}, ${spec.of})`;
  const variable = new QueryVariableBuilder(spec.name)
    .label(spec.label)
    .description(spec.description)
    .datasource(PROMETHEUS_REF)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
  if (!spec.multi) return variable;
  return variable
    .multi(true)
    .includeAll(true)
    .allValue(ALL)
    .current({ selected: true, text: "All", value: "$__all" });
}

/** A source of metrics: the metric that proves a job is one, and how its variables are named and labelled. */
export interface SourceSpec {
  scope: Scope;
  /** A metric every target of this kind exposes. */
  probe: string;
  /** What a person calls it ("service", "collector"). */
  label: string;
  description: string;
  /** Several jobs at once (default all), where the panels compare jobs rather than follow one. */
  multiJob?: boolean;
  /** Said after "Instances of the chosen ...": where the choice does not apply. */
  instanceNote?: string;
}

/** A job variable (one at a time unless `multiJob`) and an instance variable (any, default all) chained to it. */
export function sourceVariables(spec: SourceSpec): cog.Builder<VariableModel>[] {
  return [
    labelValuesVariable({
      name: spec.scope.job,
      label: spec.label,
      description: spec.description,
      selector: spec.probe,
      of: "job",
      multi: spec.multiJob ?? false,
    }),
    labelValuesVariable({
      name: spec.scope.instance,
      label: `${spec.label} instance`,
      description: `Instances of the chosen ${spec.label}.${spec.instanceNote ? ` ${spec.instanceNote}` : ""}`,
      selector: `${spec.probe}{job=~"$${spec.scope.job}"}`,
      of: "instance",
      multi: true,
    }),
  ];
}

/** The job and instance variables of each source the dashboards read. */
export const SCOPES = {
  /** The ML API (its service name is the job). */
  service: { job: "job", instance: "instance" },
  /** Host metrics (the collector's host_metrics receiver, re-exported under the collector's job). */
  host: { job: "host_job", instance: "host_instance" },
  /** The collector's own telemetry. */
  collector: { job: "collector_job", instance: "collector_instance" },
  /** Every scrape target, for scrape health. */
  scrape: { job: "scrape_job", instance: "scrape_instance" },
  prometheus: { job: "prometheus_job", instance: "prometheus_instance" },
  alertmanager: { job: "alertmanager_job", instance: "alertmanager_instance" },
} as const satisfies Record<string, Scope>;

/** The ML API's service and instance variables, the same on every dashboard about the API. */
export function serviceVariables(): cog.Builder<VariableModel>[] {
  return sourceVariables({
    scope: SCOPES.service,
    probe: PROM.modelState,
    label: "service",
    description: "The ML API deployment (its OpenTelemetry service name, the job label).",
    instanceNote:
      "Panels drawn from recording rules that sum instances away (SLOs, traffic and latency by route, every model panel, heap by space) show all of them whatever this says.",
  });
}

/** The model and version variables (several of each) of the dashboards about models, under the service's. */
export function modelVariables(): cog.Builder<VariableModel>[] {
  const S = SCOPES.service;
  const model = promLabel(ATTR.model);
  return [
    labelValuesVariable({
      name: "model",
      label: "model",
      description: "Models the chosen service serves.",
      selector: sel(PROM.modelState, S),
      of: model,
      multi: true,
    }),
    labelValuesVariable({
      name: "version",
      label: "version",
      description: "Versions of the chosen models.",
      selector: sel(PROM.modelState, S, `${model}=~"$model"`),
      of: promLabel(ATTR.version),
      multi: true,
    }),
  ];
}
