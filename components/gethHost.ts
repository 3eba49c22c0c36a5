import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { NodeConfig, SnapshotsConfig } from "../lib/config";
import { bootDiskType, familyOf } from "../lib/gce";
import { dataDirectories, hostLayout } from "../lib/hostLayout";
import { ArtifactRepository } from "../lib/images";
import { regionOfZone } from "../lib/naming";
import { bootMetadata, SecretFile } from "../lib/render/bootMetadata";
import { composeFiles, renderCompose } from "../lib/render/compose";
import { renderGethToml } from "../lib/render/gethToml";
import { renderOpsAgentConfig } from "../lib/render/opsAgent";
import { renderGrafanaDatasources, renderPrometheusYml } from "../lib/render/prometheus";

/** Ubuntu LTS: Shielded VM capable, with the guest agent that runs startup and shutdown scripts. */
export const hostImage = "ubuntu-os-cloud/ubuntu-2404-lts-amd64";

export interface GethHostArgs {
  /** Account ID of the host's own service account (never the default compute account). */
  serviceAccountId: string;
  /**
   * defimon:node as config resolves it (the preset with the stack's overrides): zone,
   * machineType (memory checked against geth's cache), the data disk's size (the network's
   * minimum to 65536 GB; grows in place), type (one the family attaches; the boot disk
   * follows the family too) and Hyperdisk performance, network, gethCache, maxPeers (10-200),
   * checkpointSyncUrl.
   */
  node: Pick<NodeConfig, "zone" | "machineType" | "dataDiskSizeGb" | "dataDiskType" | "dataDiskIops" | "dataDiskThroughputMibps" | "network" | "gethCache" | "maxPeers" | "checkpointSyncUrl">;
  subnetId: pulumi.Input<string>;
  /** The static external IP, also announced to peers. */
  externalIp: pulumi.Input<string>;
  /** Network tag the firewall rules target. */
  networkTag: string;
  /**
   * Every image the host runs, pinned (`repo:tag@sha256:...`), by container: geth,
   * lighthouse, prometheus, grafana and each service (components/imagePins.ts resolves them).
   */
  pinnedImages: Record<string, string>;
  /** Artifact Registry repositories those images come from: the host's account gets reader on each, nothing more. */
  imageRepositories: ArtifactRepository[];
  /** DEFIMON services: port, command, their own environment (a consumer's subscription); images are in pinnedImages. */
  services: Record<string, { port?: number; command?: string[]; environment?: Record<string, string | number> }>;
  /** The services' .env (event-stream settings); no credentials in it. */
  eventStreamEnv: pulumi.Input<string>;
  projectId: pulumi.Input<string>;
  /** Secrets the host reads at boot: their IDs, and the Secret Manager secrets to grant access to. */
  secretFiles: SecretFile[];
  secrets: Record<string, gcp.secretmanager.Secret>;
  /** Their versions: the VM boots only once each secret has a value to read. */
  secretVersions?: pulumi.Resource[];
  /** defimon:snapshots: daily snapshots of the data disk, days kept (1-365) and the start time (UTC, "HH:00"). */
  snapshots: SnapshotsConfig;
  /** Deletion protection on the VM and Pulumi protection on VM and data disk. */
  protect: boolean;
  labels: Record<string, string>;
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

    this.serviceAccount = new gcp.serviceaccount.Account(
      `${name}-sa`,
      { accountId: args.serviceAccountId, displayName: "DEFIMON Geth host" },
      { parent: this },
    );
    const member = this.serviceAccount.member;

    this.grants = [
      // Pub/Sub roles: the union of its services' (components/serviceIdentities.ts).
      // Log and metric writing exist only as project roles; they grant writing, no reading.
      new gcp.projects.IAMMember(`${name}-log-writer`, { project: args.projectId, role: "roles/logging.logWriter", member }, { parent: this }),
      new gcp.projects.IAMMember(`${name}-metric-writer`, { project: args.projectId, role: "roles/monitoring.metricWriter", member }, { parent: this }),
      ...Object.entries(args.secrets).map(
        ([id, secret]) =>
          new gcp.secretmanager.SecretIamMember(`${name}-reads-${id}`, { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member }, { parent: this }),
      ),
      // Pulls private images with its own token (boot/startup.sh's credential helper).
      ...args.imageRepositories.map(
        (repo) =>
          new gcp.artifactregistry.RepositoryIamMember(
            `${name}-pulls-${repo.location}-${repo.project}-${repo.repository}`,
            { project: repo.project, location: repo.location, repository: repo.repository, role: "roles/artifactregistry.reader", member },
            { parent: this },
          ),
      ),
    ];

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
      },
      // The disk outlives VM replacements; on a protected stack it outlives `pulumi destroy` too.
      { parent: this, protect: args.protect },
    );

    const region = regionOfZone(args.node.zone);
    this.snapshotSchedule = new gcp.compute.ResourcePolicy(
      `${name}-snapshots`,
      {
        region,
        description: `Daily snapshots of the chain data disk, kept ${args.snapshots.retentionDays} days`,
        snapshotSchedulePolicy: {
          schedule: { dailySchedule: { daysInCycle: 1, startTime: args.snapshots.startTime } },
          // Snapshots outlive the disk: they are how a node is restored after a loss.
          retentionPolicy: { maxRetentionDays: args.snapshots.retentionDays, onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS" },
          snapshotProperties: { labels: args.labels, storageLocations: region, guestFlush: false },
        },
      },
      { parent: this },
    );
    this.snapshotAttachment = new gcp.compute.DiskResourcePolicyAttachment(
      `${name}-chaindata-snapshots`,
      { disk: this.dataDisk.name, zone: args.node.zone, name: this.snapshotSchedule.name },
      { parent: this },
    );

    const metadata = pulumi.all([args.externalIp, args.eventStreamEnv]).apply(([externalIp, env]) => {
      const { geth, lighthouse, prometheus, grafana, ...services } = args.pinnedImages;
      return bootMetadata({
        files: {
          [composeFiles.compose]: renderCompose({
            network: args.node.network,
            externalIp,
            checkpointSyncUrl: args.node.checkpointSyncUrl,
            images: { geth, lighthouse, prometheus, grafana },
            services: Object.fromEntries(Object.entries(args.services).map(([service, s]) => [service, { ...s, image: services[service] }])),
          }),
          [composeFiles.gethToml]: renderGethToml({ gethCache: args.node.gethCache, maxPeers: args.node.maxPeers }),
          [composeFiles.prometheus]: renderPrometheusYml(args.services),
          [composeFiles.grafanaDatasources]: renderGrafanaDatasources(),
          [composeFiles.env]: env,
        },
        secrets: args.secretFiles,
        dataDirectories,
        opsAgentConfig: renderOpsAgentConfig(),
        registries: [...new Set(args.imageRepositories.map((repo) => repo.host))],
      });
    });

    this.instance = new gcp.compute.Instance(
      `${name}-vm`,
      {
        zone: args.node.zone,
        machineType: args.node.machineType,
        description: `DEFIMON Geth host (${args.node.network})`,
        bootDisk: { autoDelete: true, initializeParams: { image: hostImage, size: 50, type: bootDiskType(familyOf(args.node.machineType) ?? "e2"), labels: args.labels } },
        attachedDisks: [{ source: this.dataDisk.id, deviceName: hostLayout.dataDeviceName, mode: "READ_WRITE" }],
        networkInterfaces: [{ subnetwork: args.subnetId, accessConfigs: [{ natIp: args.externalIp, networkTier: "PREMIUM" }] }],
        // Its own account; the cloud-platform scope leaves access to IAM, which grants the above only.
        serviceAccount: { email: this.serviceAccount.email, scopes: ["cloud-platform"] },
        shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
        canIpForward: false,
        deletionProtection: args.protect,
        // metadata (not metadataStartupScript, which forces a new VM): changes apply in place.
        metadata,
        tags: [args.networkTag],
        labels: args.labels,
        scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE", preemptible: false },
        // A machine-type change stops and starts the VM instead of replacing it.
        allowStoppingForUpdate: true,
      },
      // The host must be able to read its secrets, and they must exist, when it first boots.
      { parent: this, protect: args.protect, dependsOn: [...this.grants, ...(args.secretVersions ?? [])] },
    );

    this.registerOutputs({ instanceName: this.instance.name, dataDiskId: this.dataDisk.id });
  }
}
