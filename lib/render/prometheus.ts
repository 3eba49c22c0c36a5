import { stringify } from "yaml";
import { ports } from "../hostLayout";
import { prometheusDatasourceUid } from "./grafanaDashboards";

export interface ScrapeTarget {
  job: string;
  target: string;
  metricsPath?: string;
}

/** Prometheus scrapes geth, the beacon node, the health endpoint, itself and every DEFIMON service with a port. */
export function prometheusConfig(services: Record<string, { port?: number }>) {
  const targets: ScrapeTarget[] = [
    { job: "geth", target: `geth:${ports.gethMetrics}`, metricsPath: "/debug/metrics/prometheus" },
    { job: "lighthouse", target: `lighthouse:${ports.lighthouseMetrics}` },
    // boot/health.py: which upgrades the running clients schedule, ready and live.
    { job: "defimon-health", target: `health:${ports.health}`, metricsPath: "/metrics" },
    { job: "prometheus", target: `localhost:${ports.prometheus}` },
    ...Object.entries(services)
      .filter(([, service]) => service.port !== undefined)
      .map(([name, service]) => ({ job: name, target: `${name}:${service.port}` })),
  ];
  return {
    global: { scrape_interval: "15s", evaluation_interval: "15s" },
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      ...(t.metricsPath ? { metrics_path: t.metricsPath } : {}),
      static_configs: [{ targets: [t.target] }],
    })),
  };
}

export function renderPrometheusYml(services: Record<string, { port?: number }>): string {
  return `---\n# Rendered by the DEFIMON Pulumi stack.\n${stringify(prometheusConfig(services))}`;
}

/** Grafana's provisioned data source: the local Prometheus. */
export function renderGrafanaDatasources(): string {
  return `---\n${stringify({
    apiVersion: 1,
    // The uid the provisioned dashboards name (lib/render/grafanaDashboards.ts).
    datasources: [{ name: "Prometheus", uid: prometheusDatasourceUid, type: "prometheus", access: "proxy", url: `http://prometheus:${ports.prometheus}`, isDefault: true }],
  })}`;
}
