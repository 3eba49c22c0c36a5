import { stringify } from "yaml";
import { dataDirectories, hostLayout, ports } from "../hostLayout";
import { NetworkName, networks } from "../networks";
import { gethPaths } from "./gethToml";

export interface ComposeInput {
  network: NetworkName;
  /** The host's static external IP, announced to peers (geth --nat, Lighthouse ENR). */
  externalIp: string;
  checkpointSyncUrl: string;
  /** Digest-pinned images of the node's containers. */
  images: { geth: string; lighthouse: string; prometheus: string; grafana: string };
  /** DEFIMON services, digest-pinned. */
  services: Record<string, { image: string; port?: number; command?: string[] }>;
}

/** Files of the compose project, by name, as the host writes them into the stack folder. */
export const composeFiles = {
  compose: "docker-compose.yml",
  gethToml: "geth.toml",
  prometheus: "prometheus.yml",
  grafanaDatasources: "grafana-datasources.yml",
  env: ".env",
};

/** Secret files the host fetches from Secret Manager into hostLayout.secretsDir. */
export const secretFiles = { jwt: "jwt.hex", grafanaPassword: "grafana_admin_password" };

const secretPath = (file: string) => `${hostLayout.secretsDir}/${file}`;
const dataPath = (dir: keyof typeof dataDirectories) => `${hostLayout.dataMount}/${dir}`;

/** Every container: restart unless stopped by hand, rotated logs (the disk never fills with logs). */
const common = {
  restart: "unless-stopped",
  logging: { driver: "json-file", options: { "max-size": "50m", "max-file": "5" } },
};

/** Published "host:container/proto" for each port. */
const publish = (port: number, protocol: "tcp" | "udp" = "tcp", hostPort = port) => `${hostPort}:${port}/${protocol}`;

/**
 * The docker-compose project of the Geth host, eth-docker style: pinned images, one JWT
 * shared by the two clients, restart policies, log rotation. P2P ports are open to the
 * internet by the firewall; RPC and dashboards are published for the firewall to guard
 * (IAP and the configured ranges only); the Engine API is not published, and geth's
 * metrics only on the host's loopback, for the Ops Agent.
 */
export function composeProject(input: ComposeInput) {
  const network = networks[input.network];
  const jwtMount = `${secretPath(secretFiles.jwt)}:${gethPaths.jwtSecret}:ro`;

  const services: Record<string, unknown> = {
    geth: {
      ...common,
      image: input.images.geth,
      // geth flushes its caches on SIGTERM; cutting that short costs a long recovery.
      stop_grace_period: "5m",
      command: ["--config", gethPaths.config, network.gethFlag, "--nat", `extip:${input.externalIp}`],
      volumes: [`${dataPath("geth")}:${gethPaths.dataDir}`, `./${composeFiles.gethToml}:${gethPaths.config}:ro`, jwtMount],
      ports: [
        publish(ports.gethP2p),
        publish(ports.gethP2p, "udp"),
        publish(ports.gethHttp),
        publish(ports.gethWs),
        // Metrics for the Ops Agent on the host: loopback only, unreachable from outside.
        `127.0.0.1:${ports.gethMetrics}:${ports.gethMetrics}/tcp`,
      ],
      healthcheck: {
        test: ["CMD", "geth", "attach", "--exec", "net.listening", `${gethPaths.dataDir}/geth.ipc`],
        interval: "30s",
        timeout: "10s",
        retries: 5,
        start_period: "2m",
      },
    },
    lighthouse: {
      ...common,
      image: input.images.lighthouse,
      stop_grace_period: "2m",
      command: [
        "lighthouse", "beacon_node",
        "--network", input.network,
        "--datadir", "/data",
        "--execution-endpoint", `http://geth:${ports.gethAuth}`,
        "--execution-jwt", gethPaths.jwtSecret,
        "--checkpoint-sync-url", input.checkpointSyncUrl,
        "--port", String(ports.lighthouseP2p),
        "--quic-port", String(ports.lighthouseQuic),
        "--enr-address", input.externalIp,
        "--disable-upnp",
        "--http", "--http-address", "0.0.0.0", "--http-port", String(ports.lighthouseHttp),
        "--metrics", "--metrics-address", "0.0.0.0", "--metrics-port", String(ports.lighthouseMetrics),
      ],
      volumes: [`${dataPath("lighthouse")}:/data`, jwtMount],
      ports: [publish(ports.lighthouseP2p), publish(ports.lighthouseP2p, "udp"), publish(ports.lighthouseQuic, "udp")],
      depends_on: ["geth"],
    },
    prometheus: {
      ...common,
      image: input.images.prometheus,
      user: dataDirectories.prometheus,
      command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=30d"],
      volumes: [`./${composeFiles.prometheus}:/etc/prometheus/prometheus.yml:ro`, `${dataPath("prometheus")}:/prometheus`],
      ports: [publish(ports.prometheus)],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${ports.prometheus}/-/healthy`], interval: "30s", timeout: "5s", retries: 3 },
    },
    grafana: {
      ...common,
      image: input.images.grafana,
      user: dataDirectories.grafana,
      environment: {
        // Generated by Pulumi, kept in Secret Manager, read from a file: never in compose or env.
        GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/grafana_admin_password",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
      },
      volumes: [
        `${dataPath("grafana")}:/var/lib/grafana`,
        `./${composeFiles.grafanaDatasources}:/etc/grafana/provisioning/datasources/defimon.yml:ro`,
        `${secretPath(secretFiles.grafanaPassword)}:/run/secrets/grafana_admin_password:ro`,
      ],
      ports: [publish(ports.grafana, "tcp", ports.grafanaHost)],
      depends_on: ["prometheus"],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${ports.grafana}/api/health`], interval: "30s", timeout: "5s", retries: 3 },
    },
  };

  for (const [name, service] of Object.entries(input.services)) {
    services[name] = {
      ...common,
      image: service.image,
      ...(service.command ? { command: service.command } : {}),
      // The event-stream settings; credentials come from the VM's service account (metadata server).
      env_file: [composeFiles.env],
      environment: {
        ETH_RPC_URL: `http://geth:${ports.gethHttp}`,
        ETH_WS_URL: `ws://geth:${ports.gethWs}`,
        ETH_NETWORK: input.network,
        ETH_CHAIN_ID: String(network.chainId),
      },
      ...(service.port !== undefined ? { ports: [publish(service.port)] } : {}),
      depends_on: ["geth"],
    };
  }

  return { services };
}

/** The compose project's name (docker compose -p): the scripts on the host use it. */
export const composeProjectName = "defimon";

export function renderCompose(input: ComposeInput): string {
  // YAML 1.1 output quotes what a YAML 1.1 reader would turn into numbers or booleans:
  // `user: 472:0` unquoted is the sexagesimal integer 28320 to docker-compose's parser.
  const text = stringify(composeProject(input), { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
  return `---\n# Rendered by the DEFIMON Pulumi stack; edit the stack config, not this file.\n${text}`;
}
