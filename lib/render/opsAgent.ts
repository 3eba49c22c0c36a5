import { stringify } from "yaml";
import { ports } from "../hostLayout";

/**
 * The Ops Agent's configuration on the Geth host: host metrics (disk and memory, which
 * Compute Engine does not report by itself), geth's Prometheus endpoint and the health
 * endpoint's (boot/health.py: which upgrades the running clients schedule), published on
 * the host's loopback, so that Cloud Monitoring can alert on geth's head block and on a
 * client that misses its network's next upgrade.
 */
export function opsAgentConfig() {
  return {
    metrics: {
      receivers: {
        geth: {
          type: "prometheus",
          config: {
            scrape_configs: [
              {
                job_name: "geth",
                scrape_interval: "60s",
                metrics_path: "/debug/metrics/prometheus",
                static_configs: [{ targets: [`localhost:${ports.gethMetrics}`] }],
              },
              {
                job_name: "defimon-health",
                scrape_interval: "60s",
                metrics_path: "/metrics",
                static_configs: [{ targets: [`localhost:${ports.health}`] }],
              },
            ],
          },
        },
      },
      service: { pipelines: { geth: { receivers: ["geth"] } } },
    },
  };
}

export function renderOpsAgentConfig(): string {
  return `---\n# Rendered by the DEFIMON Pulumi stack. Merged with the Ops Agent's built-in host metrics and logs.\n${stringify(opsAgentConfig())}`;
}
