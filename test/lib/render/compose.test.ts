import { composeProject, ComposeInput } from "../../../lib/render/compose";
import { prometheusConfig } from "../../../lib/render/prometheus";

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const input: ComposeInput = {
  network: "mainnet",
  externalIp: "203.0.113.10",
  checkpointSyncUrl: "https://mainnet.checkpoint.sigp.io",
  images: {
    geth: `ethereum/client-go:v1.17.10@${digest(1)}`,
    lighthouse: `sigp/lighthouse:v8.3.3@${digest(2)}`,
    prometheus: `prom/prometheus:v3.13.3@${digest(3)}`,
    grafana: `grafana/grafana:13.3.2@${digest(4)}`,
  },
  health: {
    image: `python:3.13.16-alpine3.24@${digest(7)}`,
    maxHeadAgeSeconds: 60,
    stalledAfterSeconds: 1800,
    publish: "loopback",
  },
  services: {
    "analytics-api": { image: `ghcr.io/defimon/analytics-api:1.0.0@${digest(5)}`, port: 8000 },
    "event-indexer": { image: `ghcr.io/defimon/event-indexer:1.0.0@${digest(6)}`, command: ["index", "--follow"] },
  },
};
const project = composeProject(input) as { services: Record<string, any> };
const published = (service: string): string[] => project.services[service].ports ?? [];

describe("docker compose project", () => {
  it("runs geth, Lighthouse, Prometheus, Grafana and the DEFIMON services", () => {
    expect(Object.keys(project.services)).toEqual(["geth", "lighthouse", "prometheus", "grafana", "health", "analytics-api", "event-indexer"]);
  });

  it("runs every image by digest, with restart policy and rotated logs", () => {
    for (const service of Object.values(project.services)) {
      expect(service.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(service.restart).toBe("unless-stopped");
      expect(service.logging).toEqual({ driver: "json-file", options: { "max-size": "50m", "max-file": "5" } });
    }
  });

  it("publishes P2P, RPC and dashboards, geth's metrics on loopback only, never the Engine API", () => {
    const all = Object.keys(project.services).flatMap(published).filter((port) => !port.startsWith("127.0.0.1:"));
    expect(published("geth")).toEqual(["30303:30303/tcp", "30303:30303/udp", "8545:8545/tcp", "8546:8546/tcp", "127.0.0.1:6060:6060/tcp"]);
    expect(published("lighthouse")).toEqual(["9000:9000/tcp", "9000:9000/udp", "9001:9001/udp"]);
    expect(published("grafana")).toEqual(["3002:3000/tcp"]);
    expect(published("analytics-api")).toEqual(["8000:8000/tcp"]);
    for (const port of ["8551", "6060", "5052", "5054"]) expect(all.join(" ")).not.toMatch(new RegExp(`(^|\\D)${port}:`));
  });

  it("runs the health endpoint on one VM too, published on the host's loopback only, with the network's upgrades beside it", () => {
    expect(published("health")).toEqual(["127.0.0.1:8558:8558/tcp"]);
    expect(project.services.health.environment.UPGRADES_FILE).toBe("/app/upgrades.json");
    expect(project.services.health.volumes).toEqual(["./health.py:/app/health.py:ro", "./upgrades.json:/app/upgrades.json:ro"]);
    const group = composeProject({ ...input, health: { ...input.health, publish: "all" } }) as { services: Record<string, any> };
    expect(group.services.health.ports).toEqual(["8558:8558/tcp"]);
  });

  it("puts the node's own containers at fixed addresses in the half of the network closed to the metadata server, and the services in the other", () => {
    const full = composeProject(input) as { services: Record<string, any>; networks: Record<string, any> };
    expect(full.networks.default).toEqual({
      driver_opts: { "com.docker.network.bridge.name": "defimon0" },
      ipam: { config: [{ subnet: "172.30.0.0/24", ip_range: "172.30.0.128/25", gateway: "172.30.0.1" }] },
    });
    const addresses = Object.fromEntries(Object.entries(full.services).map(([name, service]) => [name, service.networks?.default?.ipv4_address]));
    expect(addresses).toEqual({ geth: "172.30.0.10", lighthouse: "172.30.0.11", prometheus: "172.30.0.12", grafana: "172.30.0.13", health: "172.30.0.14", "analytics-api": undefined, "event-indexer": undefined });
  });

  it("gives geth and Lighthouse the same JWT, each from its own secrets folder (a folder mount, never a file mount)", () => {
    expect(project.services.geth.volumes).toContain("/run/defimon/secrets/geth:/secrets:ro");
    expect(project.services.lighthouse.volumes).toContain("/run/defimon/secrets/lighthouse:/secrets:ro");
    for (const service of Object.values<any>(project.services)) {
      for (const volume of service.volumes ?? []) expect(volume).not.toMatch(/^\/run\/defimon\/secrets\/[^:]*\.[a-z]+:/);
    }
    expect(project.services.lighthouse.command).toEqual(expect.arrayContaining(["--execution-endpoint", "http://geth:8551", "--execution-jwt", "/secrets/jwt.hex"]));
  });

  it("checkpoint-syncs the beacon node and announces the static IP", () => {
    expect(project.services.lighthouse.command).toEqual(expect.arrayContaining(["--network", "mainnet", "--checkpoint-sync-url", "https://mainnet.checkpoint.sigp.io", "--enr-address", "203.0.113.10"]));
    expect(project.services.geth.command).toEqual(["--config", "/config/geth.toml", "--mainnet", "--nat", "extip:203.0.113.10"]);
  });

  it("gives geth time to flush on stop and checks its health over JSON-RPC, where a false answer fails", () => {
    expect(project.services.geth.stop_grace_period).toBe("5m");
    const [kind, command] = project.services.geth.healthcheck.test;
    expect(kind).toBe("CMD-SHELL");
    expect(command).toContain('"method":"net_listening"');
    expect(command).toMatch(/localhost:8545 \| grep -q true$/);
  });

  it("starts no container that reads a secret before the secret is there", () => {
    for (const [name, file, command] of [["geth", "/secrets/jwt.hex", "geth"], ["lighthouse", "/secrets/jwt.hex", ""], ["grafana", "/run/secrets/admin_password", "/run.sh"]]) {
      const [shell, flag, script, arg0] = project.services[name].entrypoint;
      expect([shell, flag, arg0]).toEqual(["/bin/sh", "-c", "guard"]);
      expect(script).toBe(`test -f ${file} -a -r ${file} || { echo "defimon: waiting for ${file}" >&2; exit 78; }; exec ${command} "$$@"`);
    }
  });

  it("reads Grafana's admin password from a secret file: never in the compose file", () => {
    expect(project.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/admin_password");
    expect(project.services.grafana.volumes).toContain("/run/defimon/secrets/grafana:/run/secrets:ro");
    expect(project.services.grafana.environment).not.toHaveProperty("GF_SECURITY_ADMIN_PASSWORD");
  });

  it("wires the DEFIMON services to the event stream .env and to geth, with no key file", () => {
    const service = project.services["analytics-api"];
    expect(service.env_file).toEqual([".env"]);
    expect(service.environment).toEqual({ ETH_RPC_URL: "http://geth:8545", ETH_WS_URL: "ws://geth:8546", ETH_NETWORK: "mainnet", ETH_CHAIN_ID: "1", DEFIMON_SERVICE: "analytics-api" });
    expect(JSON.stringify(project)).not.toMatch(/GOOGLE_APPLICATION_CREDENTIALS|key\.json/);
    expect(project.services["event-indexer"].command).toEqual(["index", "--follow"]);
  });
});

describe("prometheus.yml", () => {
  it("scrapes geth's Prometheus endpoint, Lighthouse and the services that have a port", () => {
    const config = prometheusConfig(input.services);
    expect(config.scrape_configs).toEqual([
      { job_name: "geth", metrics_path: "/debug/metrics/prometheus", static_configs: [{ targets: ["geth:6060"] }] },
      { job_name: "lighthouse", static_configs: [{ targets: ["lighthouse:5054"] }] },
      { job_name: "defimon-health", metrics_path: "/metrics", static_configs: [{ targets: ["health:8558"] }] },
      { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
      { job_name: "analytics-api", static_configs: [{ targets: ["analytics-api:8000"] }] },
    ]);
  });
});
