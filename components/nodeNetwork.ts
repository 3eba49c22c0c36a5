import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ports } from "../lib/hostLayout";

/** Google's IAP TCP-forwarding range: SSH and tunnels to RPC and dashboards come from here. */
export const iapSourceRange = "35.235.240.0/20";

export interface NodeNetworkArgs {
  region: string;
  /** The subnet's private range. Default 10.20.0.0/24: one host needs little. */
  subnetCidr?: string;
  /** Network tag of the instances the rules apply to. */
  targetTag: string;
  /** Who may reach JSON-RPC/WS and the service ports directly, besides IAP. Default: nobody. */
  rpcSourceRanges: string[];
  /** Who may reach Grafana and Prometheus directly, besides IAP. Default: nobody. */
  adminSourceRanges: string[];
  /** Host ports of the DEFIMON services (guarded like RPC). */
  servicePorts: number[];
  /**
   * A node group: no static address (each node gets its own, kept by the group), Google's
   * health checkers may reach the health endpoint, and the subnet may reach RPC (the
   * internal load balancer keeps the client's address). Default false: one host.
   */
  group?: boolean;
  labels: Record<string, string>;
}

/**
 * Where Google's health checks come from (load balancers and autohealing alike):
 * "Health checks overview", probe IP ranges and firewall rules.
 */
export const healthCheckRanges = ["35.191.0.0/16", "130.211.0.0/22"];

const defaultSubnetCidr = "10.20.0.0/24";

interface RuleSpec {
  description: string;
  /** Log matches; off for P2P, where every peer connection would be a log line. */
  log?: boolean;
  sourceRanges: string[];
  allows: { protocol: "tcp" | "udp"; ports: number[] }[];
}

/**
 * The node's own VPC (never the default network), one subnet, a static external IP
 * for P2P, and firewall rules: P2P open to the internet; RPC, dashboards and SSH only
 * from IAP's range and the configured ranges. The Engine API (8551) and the metrics
 * ports are not published on the host and get no rule at all.
 */
export class NodeNetwork extends pulumi.ComponentResource {
  readonly network: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
  /** The host's static external IP (one host only). */
  readonly address?: gcp.compute.Address;
  /** The firewall rules, by purpose: p2p, ssh-iap, rpc-iap, admin-iap, and rpc / admin when ranges are set. */
  readonly firewalls: Record<string, gcp.compute.Firewall>;

  constructor(name: string, args: NodeNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:network:NodeNetwork", name, {}, opts);

    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      { autoCreateSubnetworks: false, routingMode: "REGIONAL", description: "DEFIMON Geth host" },
      { parent: this },
    );

    this.subnet = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        network: this.network.id,
        region: args.region,
        ipCidrRange: args.subnetCidr ?? defaultSubnetCidr,
        // Reach Google APIs (Pub/Sub, Secret Manager, Logging) over Google's network.
        privateIpGoogleAccess: true,
      },
      { parent: this },
    );

    this.address = args.group
      ? undefined
      : new gcp.compute.Address(
          `${name}-p2p-ip`,
          { region: args.region, addressType: "EXTERNAL", networkTier: "PREMIUM", description: "Geth and Lighthouse P2P", labels: args.labels },
          { parent: this },
        );

    const rpcPorts = [ports.gethHttp, ports.gethWs, ...args.servicePorts];
    const adminPorts = [ports.grafanaHost, ports.prometheus];
    const rules: Record<string, RuleSpec> = {
      p2p: {
        description: "Ethereum P2P: geth 30303 tcp/udp, Lighthouse 9000 tcp/udp and 9001 udp (QUIC)",
        sourceRanges: ["0.0.0.0/0"],
        allows: [
          { protocol: "tcp", ports: [ports.gethP2p, ports.lighthouseP2p] },
          { protocol: "udp", ports: [ports.gethP2p, ports.lighthouseP2p, ports.lighthouseQuic] },
        ],
      },
      "ssh-iap": { description: "SSH through IAP only", log: true, sourceRanges: [iapSourceRange], allows: [{ protocol: "tcp", ports: [22] }] },
      "rpc-iap": { description: "JSON-RPC, WS and service APIs through IAP tunnels", log: true, sourceRanges: [iapSourceRange], allows: [{ protocol: "tcp", ports: rpcPorts }] },
      "admin-iap": { description: "Grafana and Prometheus through IAP tunnels", log: true, sourceRanges: [iapSourceRange], allows: [{ protocol: "tcp", ports: adminPorts }] },
    };
    if (args.group) {
      rules["health-checks"] = { description: "Google's health checkers to the nodes' health endpoint (balancer and autohealing)", sourceRanges: healthCheckRanges, allows: [{ protocol: "tcp", ports: [ports.health] }] };
      rules["rpc-subnet"] = { description: "JSON-RPC and WS from the subnet, through the internal load balancer", log: true, sourceRanges: [args.subnetCidr ?? defaultSubnetCidr], allows: [{ protocol: "tcp", ports: [ports.gethHttp, ports.gethWs] }] };
    }
    if (args.rpcSourceRanges.length) {
      rules.rpc = { description: "JSON-RPC, WS and service APIs from defimon:access.rpcSourceRanges", log: true, sourceRanges: args.rpcSourceRanges, allows: [{ protocol: "tcp", ports: rpcPorts }] };
    }
    if (args.adminSourceRanges.length) {
      rules.admin = { description: "Grafana and Prometheus from defimon:access.adminSourceRanges", log: true, sourceRanges: args.adminSourceRanges, allows: [{ protocol: "tcp", ports: adminPorts }] };
    }

    this.firewalls = Object.fromEntries(
      Object.entries(rules).map(([purpose, rule]) => [
        purpose,
        new gcp.compute.Firewall(
          `${name}-${purpose}`,
          {
            network: this.network.id,
            description: rule.description,
            direction: "INGRESS",
            sourceRanges: rule.sourceRanges,
            targetTags: [args.targetTag],
            allows: rule.allows.map((allow) => ({ protocol: allow.protocol, ports: allow.ports.map(String) })),
            ...(rule.log ? { logConfig: { metadata: "INCLUDE_ALL_METADATA" } } : {}),
          },
          { parent: this },
        ),
      ]),
    );

    this.registerOutputs({ networkId: this.network.id, externalIp: this.address?.address });
  }
}
