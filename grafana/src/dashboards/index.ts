import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { modelMonitoring } from "./model-monitoring.js";
import { modelQuality } from "./model-quality.js";
import { overview } from "./overview.js";
import { pipelineHealth } from "./pipeline-health.js";
import { runtimeHost } from "./runtime-host.js";

/** Every provisioned dashboard and the file it is written to under grafana/dashboards/. */
export const DASHBOARDS: readonly { file: string; build: () => Dashboard }[] = [
  { file: "overview.json", build: overview },
  { file: "model-monitoring.json", build: modelMonitoring },
  { file: "model-quality.json", build: modelQuality },
  { file: "runtime-host.json", build: runtimeHost },
  { file: "pipeline-health.json", build: pipelineHealth },
];
