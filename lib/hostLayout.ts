/**
 * Where things live on the Geth host. boot/startup.sh spells the same paths (it must
 * read alone); test/boot.test.ts keeps the two in step.
 */
export const hostLayout = {
  /** The compose project: docker-compose.yml, geth.toml, prometheus.yml, .env. */
  stackDir: "/opt/defimon",
  /** Mount point of the chain data disk. */
  dataMount: "/mnt/chaindata",
  /** The data disk's device name: it appears as /dev/disk/by-id/google-<name>. */
  dataDeviceName: "chaindata",
  /** Secrets fetched from Secret Manager at boot: on tmpfs, never on a disk. */
  secretsDir: "/run/defimon/secrets",
};

/** Containers' data directories on the data disk, and the uid:gid that owns each. */
export const dataDirectories: Record<string, string> = {
  geth: "0:0",
  lighthouse: "0:0",
  // The official Prometheus and Grafana images run as these users.
  prometheus: "65534:65534",
  grafana: "472:0",
};

/** Ports inside the compose network; published ones are listed in components/nodeNetwork.ts. */
export const ports = {
  gethP2p: 30303,
  gethHttp: 8545,
  gethWs: 8546,
  gethAuth: 8551,
  gethMetrics: 6060,
  lighthouseP2p: 9000,
  lighthouseQuic: 9001,
  lighthouseHttp: 5052,
  lighthouseMetrics: 5054,
  prometheus: 9090,
  grafana: 3000,
  /** Grafana on the host, as in the guide. */
  grafanaHost: 3002,
  /** boot/health.py: /health (a group's balancer), /health/live (its autohealing), /metrics (Prometheus, the Ops Agent). */
  health: 8558,
};
