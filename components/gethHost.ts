import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { NodeConfig } from "../lib/config";
import { hostLayout } from "../lib/hostLayout";
import { regionOfZone } from "../lib/naming";
import { bootDiskGb, chainSnapshotSchedule, hostImage, NodeArgs, nodeAccount, nodeMachine, nodeMetadata } from "./nodeParts";

export { hostImage };

export interface GethHostArgs extends NodeArgs {
  /** defimon:node as config resolves it; here also the zone of the VM and its disk. */
  node: NodeArgs["node"] & Pick<NodeConfig, "zone">;
  /** The static external IP, also announced to peers. */
  externalIp: pulumi.Input<string>;
  /** A snapshot the chain disk is created from (defimon:node.seedSnapshot; a restore drill's). Default: an empty disk. */
  seedSnapshot?: pulumi.Input<string>;
}

/**
 * The Compute Engine VM that runs geth, Lighthouse, Prometheus, Grafana and the DEFIMON
 * services with docker compose, its chain data disk, and its own service account with
 * only what the host needs. Shielded VM, OS Login, no project SSH keys, no serial port.
 */
export class GethHost extends pulumi.ComponentResource {
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** publisher on the topic, logging.logWriter, monitoring.metricWriter, secretAccessor per secret, artifactregistry.reader per image repository. */
  readonly grants: pulumi.Resource[];
  readonly dataDisk: gcp.compute.Disk;
  /** The daily snapshot schedule of the data disk, and its attachment to the disk. */
  readonly snapshotSchedule: gcp.compute.ResourcePolicy;
  readonly snapshotAttachment: gcp.compute.DiskResourcePolicyAttachment;
  readonly instance: gcp.compute.Instance;
  /** Every image the host runs, pinned to its digest, by container name. */
  readonly pinnedImages: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GethHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:node:GethHost", name, {}, opts);

    ({ serviceAccount: this.serviceAccount, grants: this.grants } = nodeAccount(name, args, this));

    this.pinnedImages = pulumi.output(args.pinnedImages);

    this.dataDisk = new gcp.compute.Disk(
      `${name}-chaindata`,
      {
        zone: args.node.zone,
        type: args.node.dataDiskType,
        size: args.node.dataDiskSizeGb,
        provisionedIops: args.node.dataDiskIops,
        provisionedThroughput: args.node.dataDiskThroughputMibps,
        labels: args.labels,
        description: `Chain data of geth and Lighthouse (${args.node.network})`,
        ...(args.seedSnapshot ? { snapshot: args.seedSnapshot } : {}),
      },
      // The disk outlives VM replacements; on a protected stack it outlives `pulumi destroy` too.
      // Its seed counts at creation only: a newer snapshot must never replace a disk.
      { parent: this, protect: args.protect, ...(args.seedSnapshot ? { ignoreChanges: ["snapshot"] } : {}) },
    );

    this.snapshotSchedule = chainSnapshotSchedule(name, regionOfZone(args.node.zone), args.snapshots, args.labels, this);
    this.snapshotAttachment = new gcp.compute.DiskResourcePolicyAttachment(
      `${name}-chaindata-snapshots`,
      { disk: this.dataDisk.name, zone: args.node.zone, name: this.snapshotSchedule.name },
      { parent: this },
    );

    const { bootDiskType, ...machine } = nodeMachine(args, this.serviceAccount);
    this.instance = new gcp.compute.Instance(
      `${name}-vm`,
      {
        zone: args.node.zone,
        ...machine,
        description: `DEFIMON Geth host (${args.node.network})`,
        bootDisk: { autoDelete: true, initializeParams: { image: hostImage, size: bootDiskGb, type: bootDiskType, labels: args.labels } },
        attachedDisks: [{ source: this.dataDisk.id, deviceName: hostLayout.dataDeviceName, mode: "READ_WRITE" }],
        networkInterfaces: [{ subnetwork: args.subnetId, accessConfigs: [{ natIp: args.externalIp, networkTier: "PREMIUM" }] }],
        deletionProtection: args.protect,
        // metadata (not metadataStartupScript, which forces a new VM): changes apply in place.
        metadata: nodeMetadata(args, { externalIp: args.externalIp }),
        // A machine-type change stops and starts the VM instead of replacing it.
        allowStoppingForUpdate: true,
      },
      // The host must be able to read its secrets, and they must exist, when it first boots.
      { parent: this, protect: args.protect, dependsOn: [...this.grants, ...(args.secretVersions ?? [])] },
    );

    this.registerOutputs({ instanceName: this.instance.name, dataDiskId: this.dataDisk.id });
  }
}
