import { writeFileSync } from "node:fs";
import { COMPOSE_PROMETHEUS_CONFIG, renderComposePrometheusConfig } from "./compose.js";

/** `npm run compose-configs`: writes the configs docker-compose.monitoring.yml mounts that are rendered. */
writeFileSync(COMPOSE_PROMETHEUS_CONFIG, renderComposePrometheusConfig());
process.stdout.write(`wrote ${COMPOSE_PROMETHEUS_CONFIG}\n`);
