import * as gcp from "@pulumi/gcp";
import { GethHost, GethHostArgs, hostImage } from "../../components/gethHost";
import { defaultImages, pinImage } from "../../lib/images";
import { mockSecretValues } from "../../tools/plan/mocks";
import { bootScripts, filesFromMetadata } from "../../lib/render/bootMetadata";
import { named, nameOf, ofType, Plan, runComponents } from "../helpers/run";

const digest = `sha256:${"a".repeat(64)}`;
const analyticsImage = "europe-west1-docker.pkg.dev/defimon-images/defimon/analytics-api:1.0.0";
const pinned = Object.fromEntries(Object.entries({ ...defaultImages, "analytics-api": analyticsImage }).map(([k, v]) => [k, pinImage(v, digest)]));

function declare(overrides: Partial<GethHostArgs> = {}): Promise<Plan> {
  return runComponents(() => {
    const secret = new gcp.secretmanager.Secret("jwt-secret", { secretId: "defimon-test-geth-jwt", replication: { auto: {} } });
    const version = new gcp.secretmanager.SecretVersion("jwt-version", { secret: secret.id, secretData: "x".repeat(64) });
    new GethHost("host", {
      serviceAccountId: "defimon-node-test",
      node: { zone: "europe-west1-b", machineType: "n2-highmem-8", dataDiskSizeGb: 2500, dataDiskType: "pd-ssd", network: "mainnet", gethCache: 8192, maxPeers: 50, checkpointSyncUrl: "https://mainnet.checkpoint.sigp.io", maxHeadAgeSeconds: 60, stalledAfterSeconds: 1800 },
      subnetId: "projects/p/regions/europe-west1/subnetworks/s",
      externalIp: "203.0.113.10",
      networkTag: "defimon-node",
      pinnedImages: pinned,
      imageRepositories: [{ host: "europe-west1-docker.pkg.dev", location: "europe-west1", project: "defimon-images", repository: "defimon" }],
      services: { "analytics-api": { port: 8000 } },
      eventStreamEnv: "EVENT_STREAM_ENABLED=true\n",
      projectId: "defimon-offline-plan",
      secretFiles: [{ secretId: "defimon-test-geth-jwt", dir: "geth", file: "jwt.hex", mode: "0400", owner: "0:0" }],
      secrets: { "geth-jwt": secret },
      secretVersions: [version],
      snapshots: { retentionDays: 14, startTime: "03:00" },
      protect: false,
      labels: { team: "defimon" },
      ...overrides,
    });
  });
}

const vm = (plan: Plan) => named(plan, "host-vm");
const metadata = (plan: Plan) => vm(plan).inputs.metadata as Record<string, string>;

describe("GethHost", () => {
  it("is a Shielded VM with OS Login, no project SSH keys, no serial port, no IP forwarding", async () => {
    const plan = await declare();
    expect(vm(plan).inputs).toMatchObject({
      machineType: "n2-highmem-8",
      zone: "europe-west1-b",
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      canIpForward: false,
      tags: ["defimon-node"],
    });
    expect(metadata(plan)).toMatchObject({ "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "serial-port-enable": "FALSE" });
    expect((vm(plan).inputs.bootDisk as any).initializeParams.image).toBe(hostImage);
  });

  it("runs as its own service account, never the default compute one", async () => {
    const plan = await declare();
    const email = "defimon-node-test@defimon-offline-plan.iam.gserviceaccount.com";
    expect(named(plan, "host-sa").inputs.accountId).toBe("defimon-node-test");
    expect(vm(plan).inputs.serviceAccount).toEqual({ email, scopes: ["cloud-platform"] });
    expect(JSON.stringify(vm(plan).inputs)).not.toContain("-compute@developer.gserviceaccount.com");
  });

  it("grants the host log and metric writing, reading its own secrets and pulling from its image repository: nothing else (Pub/Sub roles are its services', components/serviceIdentities.ts)", async () => {
    const plan = await declare();
    const member = "serviceAccount:defimon-node-test@defimon-offline-plan.iam.gserviceaccount.com";
    const grants = plan.resources.filter((r) => /IAMMember$|IamMember$/.test(r.type) && r.inputs.member === member);
    expect(grants.map((g) => [g.type.split(":").pop(), g.inputs.role]).sort()).toEqual([
      ["IAMMember", "roles/logging.logWriter"],
      ["IAMMember", "roles/monitoring.metricWriter"],
      ["RepositoryIamMember", "roles/artifactregistry.reader"],
      ["SecretIamMember", "roles/secretmanager.secretAccessor"],
    ]);
    expect(named(plan, "host-reads-geth-jwt").inputs.secretId).toBe("projects/defimon-offline-plan/secrets/defimon-test-geth-jwt");
    // The VM boots only once it may read its secrets, and they have a value.
    expect(vm(plan).dependsOn.map(nameOf).sort()).toEqual([...grants.map((g) => g.name), "jwt-version"].sort());
  });

  it("keeps chain data on its own disk that survives the VM", async () => {
    const plan = await declare();
    expect(named(plan, "host-chaindata").inputs).toMatchObject({ zone: "europe-west1-b", type: "pd-ssd", size: 2500 });
    expect(vm(plan).inputs.attachedDisks).toEqual([{ source: expect.stringMatching(/\/disks\/host-chaindata-/), deviceName: "chaindata", mode: "READ_WRITE" }]);
    // An attached disk is never auto-deleted with the VM; only the boot disk is.
    expect(vm(plan).inputs.bootDisk).toMatchObject({ autoDelete: true });
  });

  it("boots from metadata that updates in place, never from metadataStartupScript", async () => {
    const plan = await declare();
    expect(vm(plan).inputs).not.toHaveProperty("metadataStartupScript");
    expect(metadata(plan)["startup-script"]).toMatch(/^#!\/usr\/bin\/env bash/);
    expect(metadata(plan)["shutdown-script"]).toBe(bootScripts.shutdown);
    expect(Object.keys(filesFromMetadata(metadata(plan))).sort()).toEqual([".env", "docker-compose.yml", "geth.toml", "grafana-dashboard-consensus.json", "grafana-dashboard-execution.json", "grafana-dashboard-node.json", "grafana-dashboards.yml", "grafana-datasources.yml", "health.py", "ops-agent.yaml", "prometheus.yml", "upgrades.json"]);
    expect(metadata(plan)["defimon-secrets"]).toBe("defimon-test-geth-jwt geth jwt.hex 0400 0:0\n");
  });

  it("puts no secret value in metadata", async () => {
    const text = JSON.stringify(metadata(await declare()));
    for (const value of Object.values(mockSecretValues)) expect(text).not.toContain(value);
  });

  it("runs every image by its pinned reference, and pulls private ones with its own token", async () => {
    const plan = await declare();
    const compose = filesFromMetadata(metadata(plan))["docker-compose.yml"];
    expect([...compose.matchAll(/image: (\S+)/g)].map((m) => m[1]).sort()).toEqual(Object.values(pinned).sort());
    expect(metadata(plan)["defimon-registries"]).toBe("europe-west1-docker.pkg.dev");
    expect(named(plan, "host-pulls-europe-west1-defimon-images-defimon").inputs).toEqual({
      project: "defimon-images",
      location: "europe-west1",
      repository: "defimon",
      role: "roles/artifactregistry.reader",
      member: "serviceAccount:defimon-node-test@defimon-offline-plan.iam.gserviceaccount.com",
    });
    expect(ofType(plan, "pulumi:providers:docker")).toEqual([]);
  });

  it("lists no registry when every image is public", async () => {
    expect(metadata(await declare({ imageRepositories: [] }))["defimon-registries"]).toBe("");
  });

  it("protects VM and disk, with deletion protection, only on protected stacks", async () => {
    const open = await declare();
    expect([vm(open).protect, named(open, "host-chaindata").protect, vm(open).inputs.deletionProtection]).toEqual([false, false, false]);
    const guarded = await declare({ protect: true });
    expect([vm(guarded).protect, named(guarded, "host-chaindata").protect, vm(guarded).inputs.deletionProtection]).toEqual([true, true, true]);
  });

  it("snapshots the chain data disk daily, keeping snapshots when the disk is deleted", async () => {
    const plan = await declare();
    expect(named(plan, "host-snapshots").inputs).toMatchObject({
      region: "europe-west1",
      snapshotSchedulePolicy: {
        schedule: { dailySchedule: { daysInCycle: 1, startTime: "03:00" } },
        retentionPolicy: { maxRetentionDays: 14, onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS" },
        snapshotProperties: { storageLocations: "europe-west1" },
      },
    });
    expect(named(plan, "host-chaindata-snapshots").inputs).toEqual({
      disk: expect.stringMatching(/^host-chaindata-/),
      zone: "europe-west1-b",
      name: expect.stringMatching(/^host-snapshots-/),
    });
  });

  it("changes machine type by stopping the VM, not replacing it", async () => {
    expect(vm(await declare()).inputs.allowStoppingForUpdate).toBe(true);
  });
});
