import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { NodeConfig } from "../lib/config";
import { hostLayout, ports } from "../lib/hostLayout";
import { seedImageDescription } from "../lib/snapshots";
import { bootDiskGb, chainSnapshotSchedule, hostImage, NodeArgs, nodeAccount, nodeMachine, nodeMetadata } from "./nodeParts";

export interface NodeGroupArgs extends NodeArgs {
  /** defimon:node as config resolves it; here also the number of nodes and the health limits. */
  node: NodeArgs["node"] & Pick<NodeConfig, "replicas" | "maxHeadAgeSeconds" | "stalledAfterSeconds">;
  region: string;
  /** Zones the group spreads its nodes over, evenly: at least two (all of the region's by default). */
  zones: string[];
  /**
   * Where new nodes' chain disks come from; absent: an empty disk that syncs from scratch.
   * The group keeps a seed image (`imageName`, 1 to 63 characters) made from `snapshot`,
   * and the template creates disks from the image: a snapshot the schedule deletes after
   * its retention is no seed a month later, and the image lasts. `follow`: a new snapshot
   * makes a new image (and template), for a snapshot config names; false for the newest
   * snapshot, whose image is made once (else every daily snapshot would change the plan).
   */
  seed?: { snapshot: pulumi.Input<string>; imageName: string; follow: boolean };
  /** Instance names: `<base>-<4 random characters>`; 1 to 58 characters. */
  baseInstanceName: string;
}

/** Group health checks: how often, and how many answers in a row decide. */
const readiness = { checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 3 };
const liveness = { checkIntervalSec: 30, timeoutSec: 10, healthyThreshold: 1, unhealthyThreshold: 3 };
/**
 * Autohealing waits this long after a node starts before it judges it: until the health
 * endpoint can answer at all, a worst-case first boot. boot/startup.sh bounds each wait:
 * the package manager's lock (900 s), required metadata (120 s), the data disk (60 s),
 * the secrets while IAM grants propagate (600 s); then Docker, the Ops Agent and the
 * images (allow 600 s): 2280 s, rounded up. Compute Engine takes 0 to 3600 s.
 */
export const autohealingDelaySeconds = 2400;

/**
 * N Geth nodes on a regional managed instance group (Compute Engine's own engine for
 * this: zone spreading, autohealing, per-instance state), each with its chain disk kept
 * through recreation (a stateful disk; on a protected stack never deleted) and its external IP kept for its
 * peers, behind an internal passthrough load balancer that sends JSON-RPC and WS only to
 * nodes whose head is current (boot/health.py's /health). Autohealing recreates a node
 * whose chain stopped moving (/health/live), never one that is only catching up.
 *
 * Updates: a regional group's rolling updater takes down at least one node per zone at
 * once (maxUnavailable must be 0 or at least the number of zones), so it never rolls by
 * itself (OPPORTUNISTIC): a new template reaches new and recreated nodes, and the README's
 * `update-instances` procedure replaces the others one at a time.
 */
export class NodeGroup extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly grants: pulumi.Resource[];
  /** Daily snapshots of every node's chain disk (the template attaches the schedule to each). */
  readonly snapshotSchedule: gcp.compute.ResourcePolicy;
  /** The balancer's internal address: the services' and nodeInternalRpcUrl's RPC endpoint. */
  readonly rpcAddress: gcp.compute.Address;
  readonly template: gcp.compute.InstanceTemplate;
  /** The image new nodes' chain disks are created from, when the group has a seed. */
  readonly seedImage?: gcp.compute.Image;
  /** /health: in the balancer while synced with a recent head. */
  readonly readyCheck: gcp.compute.HealthCheck;
  /** /health/live: recreated when the chain stood still for defimon:node.stalledAfterSeconds. */
  readonly liveCheck: gcp.compute.HealthCheck;
  readonly group: gcp.compute.RegionInstanceGroupManager;
  readonly backendService: gcp.compute.RegionBackendService;
  readonly forwardingRule: gcp.compute.ForwardingRule;
  readonly pinnedImages: pulumi.Output<Record<string, string>>;
  /** What every node's name starts with (`<base>-xxxx`): monitoring finds the nodes by it. */
  readonly baseInstanceName: string;

  constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:node:NodeGroup", name, {}, opts);
    ({ serviceAccount: this.serviceAccount, grants: this.grants } = nodeAccount(name, args, this));
    this.pinnedImages = pulumi.output(args.pinnedImages);
    this.baseInstanceName = args.baseInstanceName;
    this.snapshotSchedule = chainSnapshotSchedule(name, args.region, args.snapshots, args.labels, this);

    this.rpcAddress = new gcp.compute.Address(
      `${name}-rpc-ip`,
      { region: args.region, addressType: "INTERNAL", subnetwork: args.subnetId, purpose: "GCE_ENDPOINT", description: "The nodes' JSON-RPC and WS behind the internal load balancer", labels: args.labels },
      { parent: this },
    );
    // The services on a node reach geth through the health endpoint's gate, open only while
    // this node is ready: the balancer's address would bring them to this very node anyway
    // (the guest agent routes the forwarding rule's address locally), whatever its state.
    const rpc = { http: `http://health:${ports.gethHttp}`, ws: `ws://health:${ports.gethWs}` };

    if (args.seed) {
      this.seedImage = new gcp.compute.Image(
        `${name}-seed`,
        {
          name: args.seed.imageName,
          description: pulumi.output(args.seed.snapshot).apply((snapshot) => seedImageDescription(args.node.network, snapshot)),
          sourceSnapshot: args.seed.snapshot,
          // Beside the nodes, as their snapshots are.
          storageLocations: [args.region],
          labels: args.labels,
        },
        // The snapshot it was made from may be deleted: the image does not depend on it. Its
        // name is fixed, so a new seed (another snapshot, a --replace) deletes the old first.
        { parent: this, deleteBeforeReplace: true, ...(args.seed.follow ? {} : { ignoreChanges: ["sourceSnapshot", "description"] }) },
      );
    }

    const { bootDiskType, ...machine } = nodeMachine(args, this.serviceAccount);
    const metadata = nodeMetadata(args, { group: true, rpc });
    this.template = new gcp.compute.InstanceTemplate(
      `${name}-template`,
      {
        ...machine,
        description: `DEFIMON Geth node (${args.node.network})`,
        disks: [
          { boot: true, autoDelete: true, sourceImage: hostImage, diskSizeGb: bootDiskGb, diskType: bootDiskType, labels: args.labels },
          {
            boot: false,
            // Stateful (below): the group keeps each node's disk through recreation; its deleteRule, not autoDelete, decides the rest.
            autoDelete: false,
            deviceName: hostLayout.dataDeviceName,
            diskType: args.node.dataDiskType,
            diskSizeGb: args.node.dataDiskSizeGb,
            provisionedIops: args.node.dataDiskIops,
            provisionedThroughput: args.node.dataDiskThroughputMibps,
            sourceImage: this.seedImage?.selfLink,
            // Every node's chain disk on the daily schedule.
            resourcePolicies: this.snapshotSchedule.id,
            labels: args.labels,
          },
        ],
        // No fixed address: each node gets its own, kept by the group (statefulExternalIps), for its peers.
        networkInterfaces: [{ subnetwork: args.subnetId, accessConfigs: [{ networkTier: "PREMIUM" }] }],
        metadata,
      },
      // A template cannot change: a new one is made first, and the group moves to it.
      { parent: this, dependsOn: [...this.grants, ...(args.secretVersions ?? [])] },
    );

    const check = (part: string, path: string, timing: typeof readiness, description: string) =>
      new gcp.compute.HealthCheck(`${name}-${part}`, { description, ...timing, httpHealthCheck: { port: ports.health, requestPath: path } }, { parent: this });
    this.readyCheck = check("ready", "/health", readiness, "Serves RPC: geth synced with a recent head, Lighthouse synced (boot/health.py)");
    this.liveCheck = check("live", "/health/live", liveness, "The chain moves (boot/health.py): else autohealing recreates the node");

    this.group = new gcp.compute.RegionInstanceGroupManager(
      `${name}-group`,
      {
        region: args.region,
        baseInstanceName: args.baseInstanceName,
        description: `DEFIMON Geth nodes (${args.node.network})`,
        versions: [{ name: "primary", instanceTemplate: this.template.selfLinkUnique }],
        targetSize: args.node.replicas,
        distributionPolicyZones: args.zones,
        distributionPolicyTargetShape: "EVEN",
        autoHealingPolicies: { healthCheck: this.liveCheck.id, initialDelaySec: autohealingDelaySeconds },
        // A repair recreates a node from the group's current template, not the one it was made
        // from ("update on repair"): else a node healed after an upgrade runs the old release.
        instanceLifecyclePolicy: { forceUpdateOnRepair: "YES", defaultActionOnFailure: "REPAIR" },
        // A protected stack's chain disks outlive the group (as one host's disk outlives `pulumi
        // destroy`); a test stack's go with their nodes, so that it destroys cleanly.
        statefulDisks: [{ deviceName: hostLayout.dataDeviceName, deleteRule: args.protect ? "NEVER" : "ON_PERMANENT_INSTANCE_DELETION" }],
        statefulExternalIps: [{ interfaceName: "nic0", deleteRule: "ON_PERMANENT_INSTANCE_DELETION" }],
        updatePolicy: {
          type: "OPPORTUNISTIC",
          minimalAction: "REPLACE",
          // A node keeps its name, disk and address: recreated, never surged beside itself.
          replacementMethod: "RECREATE",
          maxSurgeFixed: 0,
          maxUnavailableFixed: args.zones.length,
          // A stateful regional group does not move nodes between zones.
          instanceRedistributionType: "NONE",
        },
        waitForInstances: false,
      },
      { parent: this, protect: args.protect },
    );

    this.backendService = new gcp.compute.RegionBackendService(
      `${name}-rpc`,
      {
        region: args.region,
        description: "JSON-RPC and WS of the nodes whose head is current",
        loadBalancingScheme: "INTERNAL",
        protocol: "TCP",
        healthChecks: this.readyCheck.id,
        backends: [{ group: this.group.instanceGroup, balancingMode: "CONNECTION" }],
        connectionDrainingTimeoutSec: 30,
        // A WebSocket client stays on its node as long as the connection lives: by default
        // even once that node falls behind. Never: its connections are moved off it.
        connectionTrackingPolicy: { connectionPersistenceOnUnhealthyBackends: "NEVER_PERSIST" },
      },
      { parent: this },
    );
    this.forwardingRule = new gcp.compute.ForwardingRule(
      `${name}-rpc`,
      {
        region: args.region,
        description: "The nodes' JSON-RPC (8545) and WS (8546)",
        loadBalancingScheme: "INTERNAL",
        ipProtocol: "TCP",
        ports: [String(ports.gethHttp), String(ports.gethWs)],
        ipAddress: this.rpcAddress.address,
        subnetwork: args.subnetId,
        backendService: this.backendService.id,
        labels: args.labels,
      },
      { parent: this },
    );

    this.registerOutputs({ groupName: this.group.name, rpcAddress: this.rpcAddress.address });
  }
}
