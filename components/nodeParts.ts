/**
 * What a Geth node is made of, whether it runs as one VM (components/gethHost.ts) or as
 * the nodes of a managed instance group (components/nodeGroup.ts): its service account
 * and grants, the snapshot schedule of its chain disk, the boot metadata, and the VM
 * settings both share. Functions, not components: each resource is created under the
 * component that calls them, so one VM's resources keep their names and parents.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { NodeConfig, SnapshotsConfig } from "../lib/config";
import { bootDiskType, familyOf } from "../lib/gce";
import { dataDirectories } from "../lib/hostLayout";
import { ArtifactRepository } from "../lib/images";
import { bootMetadata, bootScripts, SecretFile } from "../lib/render/bootMetadata";
import { scheduledUpgrades } from "../lib/clientCurrency";
import { composeFiles, renderCompose, renderUpgrades } from "../lib/render/compose";
import { renderGethToml } from "../lib/render/gethToml";
import { renderOpsAgentConfig } from "../lib/render/opsAgent";
import { renderDashboardFiles } from "../lib/render/grafanaDashboards";
import { renderGrafanaDatasources, renderPrometheusYml } from "../lib/render/prometheus";

/** Ubuntu LTS: Shielded VM capable, with the guest agent that runs startup and shutdown scripts. */
export const hostImage = "ubuntu-os-cloud/ubuntu-2404-lts-amd64";

/** Boot disk size in GB: the OS, Docker's images and logs (the chain is on its own disk). */
export const bootDiskGb = 50;

/** What every node takes, alone or in a group. */
export interface NodeArgs {
  /** Account ID of the node's own service account (never the default compute account). */
  serviceAccountId: string;
  /**
   * defimon:node as config resolves it (the preset with the stack's overrides): machineType
   * (memory checked against geth's cache), the data disk's size (the network's minimum to
   * 65536 GB; grows in place), type (one the family attaches; the boot disk follows the
   * family too) and Hyperdisk performance, network, gethCache, maxPeers (10-200), checkpointSyncUrl.
   */
  node: Pick<
    NodeConfig,
    "machineType" | "dataDiskSizeGb" | "dataDiskType" | "dataDiskIops" | "dataDiskThroughputMibps" | "network" | "gethCache" | "maxPeers" | "checkpointSyncUrl" | "maxHeadAgeSeconds" | "stalledAfterSeconds"
  >;
  subnetId: pulumi.Input<string>;
  /** Network tag the firewall rules target. */
  networkTag: string;
  /**
   * Every image the node runs, pinned (`repo:tag@sha256:...`), by container: geth,
   * lighthouse, prometheus, grafana, health, each service (components/imagePins.ts
   * resolves them).
   */
  pinnedImages: Record<string, string>;
  /** Artifact Registry repositories those images come from: the node's account gets reader on each, nothing more. */
  imageRepositories: ArtifactRepository[];
  /** DEFIMON services: port, command, their own environment (a consumer's subscription); images are in pinnedImages. */
  services: Record<string, { port?: number; command?: string[]; environment?: Record<string, string | number> }>;
  /** The services' .env (event-stream settings); no credentials in it. */
  eventStreamEnv: pulumi.Input<string>;
  projectId: pulumi.Input<string>;
  /** Secrets the node reads at boot: their IDs, and the Secret Manager secrets to grant access to. */
  secretFiles: SecretFile[];
  secrets: Record<string, gcp.secretmanager.Secret>;
  /** Their versions: a node boots only once each secret has a value to read. */
  secretVersions?: pulumi.Resource[];
  /** defimon:snapshots: daily snapshots of the chain disk, days kept (1-365) and the start time (UTC, "HH:00"). */
  snapshots: SnapshotsConfig;
  /** Deletion protection on VMs and Pulumi protection on what holds chain data. */
  protect: boolean;
  labels: Record<string, string>;
}

/** The node's own service account and what it may do: nothing beyond what the node needs. */
export function nodeAccount(name: string, args: NodeArgs, parent: pulumi.Resource): { serviceAccount: gcp.serviceaccount.Account; grants: pulumi.Resource[] } {
  const serviceAccount = new gcp.serviceaccount.Account(`${name}-sa`, { accountId: args.serviceAccountId, displayName: "DEFIMON Geth host" }, { parent });
  const member = serviceAccount.member;
  const grants = [
    // Pub/Sub roles: the union of its services' (components/serviceIdentities.ts).
    // Log and metric writing exist only as project roles; they grant writing, no reading.
    new gcp.projects.IAMMember(`${name}-log-writer`, { project: args.projectId, role: "roles/logging.logWriter", member }, { parent }),
    new gcp.projects.IAMMember(`${name}-metric-writer`, { project: args.projectId, role: "roles/monitoring.metricWriter", member }, { parent }),
    ...Object.entries(args.secrets).map(
      ([id, secret]) => new gcp.secretmanager.SecretIamMember(`${name}-reads-${id}`, { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member }, { parent }),
    ),
    // Pulls private images with its own token (boot/startup.sh's credential helper).
    ...args.imageRepositories.map(
      (repo) =>
        new gcp.artifactregistry.RepositoryIamMember(
          `${name}-pulls-${repo.location}-${repo.project}-${repo.repository}`,
          { project: repo.project, location: repo.location, repository: repo.repository, role: "roles/artifactregistry.reader", member },
          { parent },
        ),
    ),
  ];
  return { serviceAccount, grants };
}

/** Daily snapshots of chain disks, kept past the disks themselves. */
export function chainSnapshotSchedule(name: string, region: string, snapshots: SnapshotsConfig, labels: Record<string, string>, parent: pulumi.Resource): gcp.compute.ResourcePolicy {
  return new gcp.compute.ResourcePolicy(
    `${name}-snapshots`,
    {
      region,
      description: `Daily snapshots of the chain data disk, kept ${snapshots.retentionDays} days`,
      snapshotSchedulePolicy: {
        schedule: { dailySchedule: { daysInCycle: 1, startTime: snapshots.startTime } },
        // Snapshots outlive the disk: they are how a node is restored after a loss.
        retentionPolicy: { maxRetentionDays: snapshots.retentionDays, onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS" },
        snapshotProperties: { labels, storageLocations: region, guestFlush: false },
      },
    },
    { parent },
  );
}

/**
 * The boot metadata: the compose project and its files, secrets to fetch, data
 * directories, the Ops Agent's config. `node.group`: a group's node (the health endpoint
 * answers Google's health checkers), else one VM with its own address.
 */
export function nodeMetadata(
  args: NodeArgs,
  node: { group?: boolean; externalIp?: pulumi.Input<string>; rpc?: { http: pulumi.Input<string>; ws: pulumi.Input<string> } },
): pulumi.Output<Record<string, string>> {
  return pulumi.all([node.externalIp, args.eventStreamEnv, node.rpc?.http, node.rpc?.ws]).apply(([externalIp, env, http, ws]) => {
    const { geth, lighthouse, prometheus, grafana, health, ...services } = args.pinnedImages;
    return bootMetadata({
      files: {
        [composeFiles.compose]: renderCompose({
          network: args.node.network,
          externalIp,
          checkpointSyncUrl: args.node.checkpointSyncUrl,
          images: { geth, lighthouse, prometheus, grafana },
          services: Object.fromEntries(Object.entries(args.services).map(([service, s]) => [service, { ...s, image: services[service] }])),
          health: {
            image: health,
            maxHeadAgeSeconds: args.node.maxHeadAgeSeconds,
            stalledAfterSeconds: args.node.stalledAfterSeconds,
            publish: node.group ? "all" : "loopback",
          },
          ...(http && ws ? { rpc: { http, ws } } : {}),
        }),
        [composeFiles.gethToml]: renderGethToml({ gethCache: args.node.gethCache, maxPeers: args.node.maxPeers }),
        [composeFiles.prometheus]: renderPrometheusYml(args.services),
        [composeFiles.grafanaDatasources]: renderGrafanaDatasources(),
        ...renderDashboardFiles(),
        [composeFiles.env]: env,
        [composeFiles.health]: bootScripts.health,
        [composeFiles.upgrades]: renderUpgrades(scheduledUpgrades(args.node.network)),
      },
      secrets: args.secretFiles,
      dataDirectories,
      opsAgentConfig: renderOpsAgentConfig(),
      registries: [...new Set(args.imageRepositories.map((repo) => repo.host))],
    });
  });
}

/** The VM settings a single host and a group's template share. */
export function nodeMachine(args: NodeArgs, serviceAccount: gcp.serviceaccount.Account) {
  return {
    machineType: args.node.machineType,
    bootDiskType: bootDiskType(familyOf(args.node.machineType) ?? "e2"),
    // Its own account; the cloud-platform scope leaves access to IAM, which grants the above only.
    serviceAccount: { email: serviceAccount.email, scopes: ["cloud-platform"] },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
    canIpForward: false,
    tags: [args.networkTag],
    labels: args.labels,
    scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE", preemptible: false },
  };
}
