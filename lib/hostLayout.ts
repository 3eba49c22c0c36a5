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

/**
 * The compose project's network. The node's own containers (geth, Lighthouse, Prometheus,
 * Grafana, the health endpoint) take fixed addresses in its lower half, which the host
 * closes to the metadata server (boot/startup.sh, defimon-metadata-guard): none of them
 * needs a Google API, and the VM's token reads its secrets and pulls its images. The
 * DEFIMON services, which authenticate to Pub/Sub through it, get addresses from the upper
 * half (`ip_range`). Not a range the VPC uses (the node's subnet is 10.20.0.0/24).
 */
export const composeNetwork = {
  bridge: "defimon0",
  subnet: "172.30.0.0/24",
  gateway: "172.30.0.1",
  nodeRange: "172.30.0.0/25",
  serviceRange: "172.30.0.128/25",
};
export const nodeAddresses = { geth: "172.30.0.10", lighthouse: "172.30.0.11", prometheus: "172.30.0.12", grafana: "172.30.0.13", health: "172.30.0.14" };

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
