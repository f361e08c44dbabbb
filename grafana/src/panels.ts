import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  type DataSourceRef,
  type Panel,
  type Threshold,
  type ThresholdsConfig,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  PanelBuilder as HeatmapPanel,
  YAxisConfigBuilder,
} from "@grafana/grafana-foundation-sdk/heatmap";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as StateTimelinePanel } from "@grafana/grafana-foundation-sdk/statetimeline";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { PROMETHEUS_REF } from "./variables.js";

/**
 * Panel constructors that cannot leave out what a reader needs: each takes a title, a description and a unit
 * (the lint test checks the generated JSON as well), and queries Prometheus through the datasource variable.
 */

/**
 * The range of panels showing exemplars, whatever the dashboard's: they read the raw span histograms, which
 * grow slow over long ranges of many replicas (bench/dashboard-queries.ts times them), and exemplars are for
 * what just happened (Prometheus keeps them for hours at most).
 */
export const EXEMPLAR_RANGE = "15m";
export const EXEMPLAR_RANGE_TEXT = "15 minutes";

export interface Query {
  expr: string;
  /** Legend template (`{{http_route}}`). */
  legend?: string;
  /** One value at the end of the range instead of a series over it (stat and table panels). */
  instant?: boolean;
  /** Ask Prometheus for exemplars: Grafana draws them as points that open the trace in Jaeger. */
  exemplar?: boolean;
  /** Cumulative buckets as a heatmap (one series per `le`, de-accumulated by Grafana). */
  heatmap?: boolean;
  /** Rows of labels and a value (table panels). */
  table?: boolean;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** A Grafana unit id: use the constants of `@grafana/grafana-foundation-sdk/units`. */
  unit: string;
  queries: Query[];
  /** Grid columns of 24. */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  /** Coloured steps: the first step's value is null (everything below the next). */
  thresholds?: Threshold[];
  mappings?: ValueMapping[];
  /**
   * The panel's own time range, whatever the dashboard's (`1h`: always the last hour), for what only exists
   * recently: exemplars, which Prometheus keeps for hours at most.
   */
  timeFrom?: string;
}

/** What every SDK panel builder has, so one function can fill in the common part. */
interface PanelBuilderLike<T> extends cog.Builder<Panel> {
  title(title: string): T;
  description(description: string): T;
  unit(unit: string): T;
  datasource(ref: DataSourceRef): T;
  withTarget(target: cog.Builder<cog.Dataquery>): T;
  height(h: number): T;
  span(w: number): T;
  min(min: number): T;
  max(max: number): T;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): T;
  mappings(mappings: ValueMapping[]): T;
  timeFrom(timeFrom: string): T;
}

function target(query: Query, index: number): DataqueryBuilder {
  const t = new DataqueryBuilder()
    .datasource(PROMETHEUS_REF)
    .refId(String.fromCharCode(65 + index))
    .expr(query.expr)
    .legendFormat(query.legend ?? "__auto");
  if (query.instant) t.instant();
  else t.range();
  if (query.exemplar) t.exemplar(true);
  if (query.heatmap) t.format(PromQueryFormat.Heatmap);
  if (query.table) t.format(PromQueryFormat.Table);
  return t;
}

function common<T extends PanelBuilderLike<T>>(builder: T, spec: PanelSpec): T {
  builder
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(PROMETHEUS_REF)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8);
  spec.queries.forEach((q, i) => {
    builder.withTarget(target(q, i));
  });
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.thresholds) {
    builder.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(spec.thresholds));
  }
  if (spec.mappings) builder.mappings(spec.mappings);
  if (spec.timeFrom) builder.timeFrom(spec.timeFrom);
  return builder;
}

export interface TimeseriesSpec extends PanelSpec {
  stacked?: boolean;
  /** Draw the thresholds as dashed lines (a limit to compare against). */
  showThresholds?: boolean;
  /** Series whose name matches this regex are drawn dashed: references (training shares, thresholds). */
  dashed?: string;
}

export function timeseries(spec: TimeseriesSpec): cog.Builder<Panel> {
  const panel = common(new TimeseriesPanel(), spec)
    .fillOpacity(spec.stacked ? 60 : 10)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    );
  if (spec.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.dashed) {
    panel.overrideByRegexp(spec.dashed, [
      { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
      { id: "custom.fillOpacity", value: 0 },
    ]);
  }
  if (spec.showThresholds) {
    panel.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return panel;
}

export function stat(spec: PanelSpec): cog.Builder<Panel> {
  return common(new StatPanel(), spec).reduceOptions(
    new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false),
  );
}

export function table(spec: PanelSpec): cog.Builder<Panel> {
  return common(new TablePanel(), spec);
}

export function stateTimeline(spec: PanelSpec): cog.Builder<Panel> {
  return common(new StateTimelinePanel(), spec).mergeValues(true);
}

export function heatmap(spec: PanelSpec): cog.Builder<Panel> {
  return common(new HeatmapPanel(), spec)
    .calculate(false)
    .yAxis(new YAxisConfigBuilder().unit(spec.unit))
    .color(new HeatmapColorOptionsBuilder().mode(HeatmapColorMode.Scheme).scheme("Oranges"))
    .showLegend();
}
