import { dashboardFile, dashboardProviderFile, dashboardsPath, nodeDashboards } from "./grafanaDashboards";
import { stringify } from "yaml";
import { composeNetwork, dataDirectories, hostLayout, nodeAddresses, ports } from "../hostLayout";
import type { HealthUpgrade } from "../clientCurrency";
import { NetworkName, networks } from "../networks";
import { gethPaths } from "./gethToml";

export interface ComposeInput {
  network: NetworkName;
  /**
   * The host's static external IP, announced to peers (geth --nat, Lighthouse ENR).
   * Absent on a group's nodes (one template for all): geth and Lighthouse then learn
   * their address from their peers' answers (geth --nat none, no --enr-address).
   */
  externalIp?: string;
  /**
   * The health endpoint (boot/health.py) on every node: its limits, and where its port
   * is published: on every address for a group's health checkers (the firewall admits
   * only Google's), on the host's loopback alone for one VM (the Ops Agent scrapes its
   * /metrics).
   */
  health: { image: string; maxHeadAgeSeconds: number; stalledAfterSeconds: number; publish: "all" | "loopback" };
  /**
   * Where the services reach JSON-RPC: default the node's own geth; on a group's nodes the
   * health endpoint's gate (health:8545, health:8546), open only while the node is ready.
   */
  rpc?: { http: string; ws: string };
  checkpointSyncUrl: string;
  /** Digest-pinned images of the node's containers. */
  images: { geth: string; lighthouse: string; prometheus: string; grafana: string };
  /** DEFIMON services, digest-pinned; `environment`: what is the service's own (a consumer's subscription). */
  services: Record<string, { image: string; port?: number; command?: string[]; environment?: Record<string, string | number> }>;
}

/** Files of the compose project, by name, as the host writes them into the stack folder. */
export const composeFiles = {
  compose: "docker-compose.yml",
  gethToml: "geth.toml",
  prometheus: "prometheus.yml",
  grafanaDatasources: "grafana-datasources.yml",
  env: ".env",
  health: "health.py",
  /** The network's upgrades the health endpoint checks the running clients against. */
  upgrades: "upgrades.json",
};

/** upgrades.json: the health endpoint's copy of the network's scheduled upgrades (lib/clientCurrency.ts). */
export function renderUpgrades(upgrades: HealthUpgrade[]): string {
  return `${JSON.stringify(upgrades, null, 2)}\n`;
}

/**
 * The secrets each container reads, by container: the host writes them from Secret
 * Manager into its own folder `hostLayout.secretsDir/<container>/`, owned by the user
 * the container runs as (mode 0400: readable by exactly that user), and the container
 * mounts the folder, not the files. A file bind mount is the wrong tool twice over: when
 * its source is missing (tmpfs after a reboot, before the startup script ran) Docker
 * creates it as a directory, and replacing the file later does not reach the container.
 * `secret` is the Secret Manager secret's suffix (components/nodeSecrets.ts).
 */
export const containerSecrets = {
  geth: { mountAt: "/secrets", owner: dataDirectories.geth, files: { "jwt.hex": "geth-jwt" } },
  lighthouse: { mountAt: "/secrets", owner: dataDirectories.lighthouse, files: { "jwt.hex": "geth-jwt" } },
  grafana: { mountAt: "/run/secrets", owner: dataDirectories.grafana, files: { admin_password: "grafana-admin-password" } },
} as const;

const secretsMount = (container: keyof typeof containerSecrets) => `${hostLayout.secretsDir}/${container}:${containerSecrets[container].mountAt}:ro`;

/**
 * An entrypoint that exits (78, EX_CONFIG) until `file` is a readable file, then runs
 * `command` with the container's arguments. After an unclean reset Docker restarts the
 * containers before the startup script has fetched their secrets: they must not start
 * without them (Grafana would fall back to its default password), and Docker's restart
 * policy retries them until the secrets are there.
 */
function secretGuard(file: string, command: string): string[] {
  // `$$`: compose interpolates `$`; the container's shell sees "$@".
  return ["/bin/sh", "-c", `test -f ${file} -a -r ${file} || { echo "defimon: waiting for ${file}" >&2; exit 78; }; exec ${command} "$$@"`, "guard"];
}
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
const grafanaPasswordFile = `${containerSecrets.grafana.mountAt}/admin_password`;

export function composeProject(input: ComposeInput) {
  const network = networks[input.network];

  const services: Record<string, unknown> = {
    geth: {
      ...common,
      image: input.images.geth,
      // geth flushes its caches on SIGTERM; cutting that short costs a long recovery.
      stop_grace_period: "5m",
      entrypoint: secretGuard(gethPaths.jwtSecret, "geth"),
      command: ["--config", gethPaths.config, network.gethFlag, "--nat", input.externalIp ? `extip:${input.externalIp}` : "none"],
      volumes: [`${dataPath("geth")}:${gethPaths.dataDir}`, `./${composeFiles.gethToml}:${gethPaths.config}:ro`, secretsMount("geth")],
      ports: [
        publish(ports.gethP2p),
        publish(ports.gethP2p, "udp"),
        publish(ports.gethHttp),
        publish(ports.gethWs),
        // Metrics for the Ops Agent on the host: loopback only, unreachable from outside.
        `127.0.0.1:${ports.gethMetrics}:${ports.gethMetrics}/tcp`,
      ],
      // JSON-RPC over HTTP: `geth attach --exec` exits 0 whatever the answer, so it cannot fail.
      healthcheck: {
        test: [
          "CMD-SHELL",
          `wget -qO- --header=Content-Type:application/json --post-data='{"jsonrpc":"2.0","id":1,"method":"net_listening"}' localhost:${ports.gethHttp} | grep -q true`,
        ],
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
      entrypoint: secretGuard(gethPaths.jwtSecret, ""),
      command: [
        "lighthouse", "beacon_node",
        "--network", input.network,
        "--datadir", "/data",
        "--execution-endpoint", `http://geth:${ports.gethAuth}`,
        "--execution-jwt", gethPaths.jwtSecret,
        "--checkpoint-sync-url", input.checkpointSyncUrl,
        "--port", String(ports.lighthouseP2p),
        "--quic-port", String(ports.lighthouseQuic),
        ...(input.externalIp ? ["--enr-address", input.externalIp] : []),
        "--disable-upnp",
        "--http", "--http-address", "0.0.0.0", "--http-port", String(ports.lighthouseHttp),
        "--metrics", "--metrics-address", "0.0.0.0", "--metrics-port", String(ports.lighthouseMetrics),
      ],
      volumes: [`${dataPath("lighthouse")}:/data`, secretsMount("lighthouse")],
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
      // The image's own entrypoint is /run.sh.
      entrypoint: secretGuard(grafanaPasswordFile, "/run.sh"),
      environment: {
        // Generated by Pulumi, kept in Secret Manager, read from a file: never in compose or env.
        GF_SECURITY_ADMIN_PASSWORD__FILE: grafanaPasswordFile,
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
      },
      volumes: [
        `${dataPath("grafana")}:/var/lib/grafana`,
        `./${composeFiles.grafanaDatasources}:/etc/grafana/provisioning/datasources/defimon.yml:ro`,
        // The node's dashboards (lib/render/grafanaDashboards.ts): the provider and each dashboard, read-only.
        `./${dashboardProviderFile}:/etc/grafana/provisioning/dashboards/defimon.yml:ro`,
        ...nodeDashboards.map((dashboard) => `./${dashboardFile(dashboard.uid)}:${dashboardsPath}/${dashboard.uid}.json:ro`),
        secretsMount("grafana"),
      ],
      ports: [publish(ports.grafana, "tcp", ports.grafanaHost)],
      depends_on: ["prometheus"],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${ports.grafana}/api/health`], interval: "30s", timeout: "5s", retries: 3 },
    },
  };

  services.health = {
    ...common,
    image: input.health.image,
    // nobody: it reads only its own script and talks HTTP.
    user: "65534:65534",
    command: ["python3", "/app/health.py"],
    volumes: [`./${composeFiles.health}:/app/health.py:ro`, `./${composeFiles.upgrades}:/app/upgrades.json:ro`],
    environment: {
      GETH_RPC_URL: `http://geth:${ports.gethHttp}`,
      BEACON_API_URL: `http://lighthouse:${ports.lighthouseHttp}`,
      MAX_HEAD_AGE_SECONDS: String(input.health.maxHeadAgeSeconds),
      STALLED_AFTER_SECONDS: String(input.health.stalledAfterSeconds),
      UPGRADES_FILE: "/app/upgrades.json",
      PORT: String(ports.health),
      // A group's services reach geth through the gate only while this node is ready.
      ...(input.health.publish === "all" ? { GATE: `${ports.gethHttp}=geth:${ports.gethHttp} ${ports.gethWs}=geth:${ports.gethWs}` } : {}),
    },
    // A group's: for Google's health checkers (components/nodeNetwork.ts lets only their
    // ranges in). One VM's: for the Ops Agent on the host, nothing else.
    ports: [input.health.publish === "all" ? publish(ports.health) : `127.0.0.1:${publish(ports.health)}`],
    depends_on: ["geth", "lighthouse"],
  };

  const rpc = input.rpc ?? { http: `http://geth:${ports.gethHttp}`, ws: `ws://geth:${ports.gethWs}` };
  for (const [name, service] of Object.entries(input.services)) {
    services[name] = {
      ...common,
      image: service.image,
      ...(service.command ? { command: service.command } : {}),
      // The event-stream settings; credentials come from the VM's service account (metadata server).
      env_file: [composeFiles.env],
      environment: {
        ETH_RPC_URL: rpc.http,
        ETH_WS_URL: rpc.ws,
        ETH_NETWORK: input.network,
        ETH_CHAIN_ID: String(network.chainId),
        DEFIMON_SERVICE: name,
        ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)])),
      },
      ...(service.port !== undefined ? { ports: [publish(service.port)] } : {}),
      depends_on: ["geth"],
    };
  }

  // The node's own containers at their fixed addresses, in the half closed to the metadata server.
  for (const [name, address] of Object.entries(nodeAddresses)) {
    if (services[name]) services[name] = { ...(services[name] as object), networks: { default: { ipv4_address: address } } };
  }
  const projectNetworks = {
    default: {
      driver_opts: { "com.docker.network.bridge.name": composeNetwork.bridge },
      ipam: { config: [{ subnet: composeNetwork.subnet, ip_range: composeNetwork.serviceRange, gateway: composeNetwork.gateway }] },
    },
  };
  return { services, networks: projectNetworks };
}

/** The compose project's name (docker compose -p): the scripts on the host use it. */
export const composeProjectName = "defimon";

export function renderCompose(input: ComposeInput): string {
  // YAML 1.1 output quotes what a YAML 1.1 reader would turn into numbers or booleans:
  // `user: 472:0` unquoted is the sexagesimal integer 28320 to docker-compose's parser.
  const text = stringify(composeProject(input), { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false });
  return `---\n# Rendered by the DEFIMON Pulumi stack; edit the stack config, not this file.\n${text}`;
}
