import { DEFAULT_PORTS } from "../../stack/ports.js";

/**
 * The datasources Grafana is provisioned with: the one place their uids are written. Dashboards refer to
 * Prometheus through the `datasource` variable (whose default is this uid), the provisioning file is rendered
 * from this table, and the exemplar link from Prometheus to Jaeger names Jaeger by this uid.
 *
 * URLs are the services' names in the container network with the stack's default ports (stack/ports.ts):
 * Grafana's provisioning expands environment variables but has no defaults for them, so a fixed, working
 * address is safer than one that is empty when a variable is forgotten.
 */

export interface Datasource {
  uid: string;
  /** Grafana's plugin id. */
  type: string;
  name: string;
  url: string;
}

export const DATASOURCES = {
  prometheus: {
    uid: "inferwatch-prometheus",
    type: "prometheus",
    name: "Prometheus",
    url: `http://prometheus:${DEFAULT_PORTS.prometheus}`,
  },
  alertmanager: {
    uid: "inferwatch-alertmanager",
    type: "alertmanager",
    name: "Alertmanager",
    url: `http://alertmanager:${DEFAULT_PORTS.alertmanager}`,
  },
  jaeger: {
    uid: "inferwatch-jaeger",
    type: "jaeger",
    name: "Jaeger",
    url: `http://jaeger:${DEFAULT_PORTS.jaegerQueryHttp}`,
  },
} as const satisfies Record<string, Datasource>;

/** The exemplar label that carries the trace id (the collector's span metrics connector writes it). */
export const EXEMPLAR_TRACE_ID_LABEL = "trace_id";
