/**
 * defimon:node.replicas: one node is today's host, unchanged; more is a regional managed
 * instance group with stateful chain disks behind an internal load balancer.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { renderedFiles } from "../tools/plan/format";
import { newestChainSnapshot, newestSeed, seedImageDescription } from "../lib/snapshots";
import { Golden, goldenFile, singleHosts } from "./golden/singleHosts";
import { digestDiff, planDigest, PlanDigest } from "./helpers/planDigest";
import { named, ofType, Plan, planStack } from "./helpers/run";

const recorded: Golden = JSON.parse(fs.readFileSync(goldenFile, "utf8"));

describe("replicas: 1", () => {
  it.each(singleHosts)("plans %s's single host exactly as recorded (test/golden: first before the node group existed, then each change with its reason)", async (stack, overrides) => {
    const plan = await planStack(stack, overrides);
    expect(digestDiff(recorded[stack] as PlanDigest, planDigest(plan))).toEqual([]);
  });

  it("says why each recorded change was made", () => {
    expect(recorded.history[0].recordedAt).toMatch(/^7b5ad2f/);
    for (const entry of recorded.history) expect(entry.reason.length).toBeGreaterThan(20);
  });

  it("would see a change to the host (the comparison is not blind)", async () => {
    const plan = await planStack("dev", { node: { maxPeers: 60 } });
    expect(digestDiff(recorded.dev as PlanDigest, planDigest(plan))).toEqual(["resources: changed urn:pulumi:dev::defimon::defimon:node:GethHost$gcp:compute/instance:Instance::defimon-node-vm"]);
  });
});

/** A service that consumes (not a publisher: those would publish once per node), pinned by digest as config allows. */
const indexer = { "event-indexer": { image: `ethereum/client-go:v1.17.5@sha256:${"ab".repeat(32)}`, port: 8000 } };

describe("replicas: 3", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("prod", { node: { replicas: 3 }, services: indexer });
  });
  const one = (type: string) => {
    const found = ofType(plan, type);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it("plans an instance template and a regional group of 3 across the region's zones, and no single VM", () => {
    const group = one("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    const template = one("gcp:compute/instanceTemplate:InstanceTemplate");
    expect(group.inputs.targetSize).toBe(3);
    expect(group.inputs.distributionPolicyZones).toEqual(["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
    expect((group.inputs.versions as any[])[0].instanceTemplate).toContain(`instanceTemplates/defimon-node-template-`);
    expect(group.inputDependencies.versions).toEqual([template.urn]);
    expect(ofType(plan, "gcp:compute/instance:Instance")).toEqual([]);
    expect(ofType(plan, "gcp:compute/disk:Disk")).toEqual([]);
    // No fixed address: each node's own, kept by the group.
    expect(ofType(plan, "gcp:compute/address:Address").map((a) => a.inputs.addressType)).toEqual(["INTERNAL"]);
    expect(group.inputs.statefulExternalIps).toEqual([{ interfaceName: "nic0", deleteRule: "ON_PERMANENT_INSTANCE_DELETION" }]);
    expect(group.protect).toBe(true);
  });

  it("keeps each node's chain disk (stateful, never deleted) on the snapshot schedule", () => {
    const group = one("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    const disks = one("gcp:compute/instanceTemplate:InstanceTemplate").inputs.disks as any[];
    const chain = disks.find((disk) => disk.deviceName === "chaindata");
    // prod is protected: its chain disks outlive the group.
    expect(group.inputs.statefulDisks).toEqual([{ deviceName: "chaindata", deleteRule: "NEVER" }]);
    expect(chain).toMatchObject({ boot: false, autoDelete: false, diskType: "pd-balanced", diskSizeGb: 2500 });
    expect(chain.resourcePolicies).toMatch(/resourcePolicies\/defimon-node-snapshots-/);
    // Updates never surge a node beside itself, nor move it between zones.
    expect(group.inputs.updatePolicy).toMatchObject({ type: "OPPORTUNISTIC", maxSurgeFixed: 0, replacementMethod: "RECREATE", instanceRedistributionType: "NONE" });
  });

  it("autoheals on the head-aware endpoint's liveness, and balances on its readiness", () => {
    const group = one("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager");
    const checks = Object.fromEntries(ofType(plan, "gcp:compute/healthCheck:HealthCheck").map((check) => [check.name, check.inputs]));
    expect(checks["defimon-node-live"].httpHealthCheck).toEqual({ port: 8558, requestPath: "/health/live" });
    expect(checks["defimon-node-ready"].httpHealthCheck).toEqual({ port: 8558, requestPath: "/health" });
    expect((group.inputs.autoHealingPolicies as any).healthCheck).toMatch(/healthChecks\/defimon-node-live-/);
    const backend = one("gcp:compute/regionBackendService:RegionBackendService");
    expect(backend.inputs).toMatchObject({ loadBalancingScheme: "INTERNAL", protocol: "TCP" });
    expect(backend.inputs.healthChecks).toMatch(/healthChecks\/defimon-node-ready-/);
    expect(backend.inputDependencies.backends).toEqual([group.urn]);
    const rule = one("gcp:compute/forwardingRule:ForwardingRule");
    expect(rule.inputs).toMatchObject({ loadBalancingScheme: "INTERNAL", ports: ["8545", "8546"], ipAddress: "10.20.0.100" });
    // Google's checkers may reach the endpoint; nothing else is opened for it.
    const healthRule = named(plan, "defimon-node-net-health-checks");
    expect(healthRule.inputs).toMatchObject({ sourceRanges: ["35.191.0.0/16", "130.211.0.0/22"], allows: [{ protocol: "tcp", ports: ["8558"] }] });
  });

  it("repairs a node from the current template, and moves connections off a node that turns unhealthy", () => {
    expect(one("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").inputs.instanceLifecyclePolicy).toEqual({ forceUpdateOnRepair: "YES", defaultActionOnFailure: "REPAIR" });
    expect(one("gcp:compute/regionBackendService:RegionBackendService").inputs.connectionTrackingPolicy).toEqual({ connectionPersistenceOnUnhealthyBackends: "NEVER_PERSIST" });
  });

  it("judges a new node only after the startup script's longest waits, plus 10 minutes for Docker and the images", () => {
    const script = fs.readFileSync(path.join(__dirname, "..", "boot", "startup.sh"), "utf8");
    // Each wait's bound, as the script spells it: the package manager's lock, metadata, the data disk, the secrets.
    const bounds = [/SECONDS - started\)\) -ge (900) \]/, /SECONDS - started\)\) -ge (120) \]/, /"\$waited" -ge (60) \]/, /SECONDS - started\)\) -ge (600) \]/].map((pattern) => Number(pattern.exec(script)?.[1]));
    expect(bounds).toEqual([900, 120, 60, 600]);
    const delay = (one("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").inputs.autoHealingPolicies as any).initialDelaySec;
    expect(delay).toBeGreaterThanOrEqual(bounds.reduce((sum, bound) => sum + bound, 600));
    expect(delay).toBeLessThanOrEqual(3600);
  });

  it("points nodeInternalRpcUrl at the balancer and the services on the nodes at their node's gate, and runs the health endpoint on every node", () => {
    const files = renderedFiles(plan);
    const compose = parseYaml(files["defimon-node-template/docker-compose.yml"]);
    // On a node the balancer's address is the node itself: the gate opens only while the node is ready.
    expect(compose.services["event-indexer"].environment).toMatchObject({ ETH_RPC_URL: "http://health:8545", ETH_WS_URL: "ws://health:8546" });
    expect(plan.outputs.nodeInternalRpcUrl).toBe("http://10.20.0.100:8545");
    expect(compose.services.health).toMatchObject({ user: "65534:65534", ports: ["8558:8558/tcp"], environment: { MAX_HEAD_AGE_SECONDS: "60", STALLED_AFTER_SECONDS: "1800", GATE: "8545=geth:8545 8546=geth:8546" } });
    expect(compose.services.health.image).toMatch(/^python:3\.13\.16-alpine3\.24@sha256:/);
    expect(files["defimon-node-template/health.py"]).toBe(fs.readFileSync(path.join(__dirname, "..", "boot", "health.py"), "utf8"));
    // One template for every node: geth and Lighthouse learn their address from their peers.
    expect(compose.services.geth.command).toEqual(expect.arrayContaining(["--nat", "none"]));
    expect(compose.services.lighthouse.command).not.toContain("--enr-address");
  });

  it("alerts per node and when fewer nodes follow the chain than there should be", () => {
    const following = named(plan, "defimon-ops-nodes-following");
    expect((following.inputs.conditions as any[])[0].conditionPrometheusQueryLanguage.query).toBe(
      '(count(changes(chain_head_block{job="geth",namespace=~"[0-9]+/defimon-node-prod-[a-z0-9]{4}"}[5m]) > 0) or vector(0)) < 3',
    );
    const disk = (named(plan, "defimon-ops-disk-full").inputs.conditions as any[])[0].conditionThreshold.filter;
    expect(disk).toContain('metadata.system_labels.name = starts_with("defimon-node-prod-")');
  });

  it("seeds new nodes from the snapshot config names, or from none when the stack has none yet", async () => {
    const chain = (p: Plan) => (ofType(p, "gcp:compute/instanceTemplate:InstanceTemplate")[0].inputs.disks as any[]).find((disk) => disk.deviceName === "chaindata");
    expect(chain(plan).sourceImage).toBeUndefined();
    expect(ofType(plan, "gcp:compute/image:Image")).toEqual([]);
    expect(plan.warnings).toEqual(["defimon:node.seedSnapshot = newest: the stack has no chain snapshot yet; new nodes start with an empty disk and sync from scratch (hours to days)"]);
    const named = await planStack("prod", { node: { replicas: 3, seedSnapshot: "defimon-chain-2026-11-24" } });
    expect(chain(named).sourceImage).toMatch(/\/global\/images\/defimon-seed-prod$/);
  });
});

describe("a group on an unprotected stack", () => {
  it("deletes each node's chain disk with the node, so that the stack destroys cleanly", async () => {
    const plan = await planStack("dev", { node: { replicas: 2 } });
    expect(named(plan, "defimon-node-group").inputs.statefulDisks).toEqual([{ deviceName: "chaindata", deleteRule: "ON_PERMANENT_INSTANCE_DELETION" }]);
    expect(named(plan, "defimon-node-group").protect).toBe(false);
  });
});

describe("one host seeded from a snapshot (a restore)", () => {
  it("creates its disk from the snapshot, and never replaces the disk for a newer one", async () => {
    const plan = await planStack("dev", { node: { seedSnapshot: "defimon-chain-2026-11-24" } });
    const disk = named(plan, "defimon-node-chaindata");
    expect(disk.inputs.snapshot).toBe("projects/defimon-dev/global/snapshots/defimon-chain-2026-11-24");
    expect(disk.ignoreChanges).toEqual(["snapshot"]);
  });
});

describe("config of a group", () => {
  it("refuses a publisher on the nodes, and a zone, in one run", async () => {
    await expect(planStack("prod", { node: { zone: "europe-west1-c" }, services: { "data-ingestion": indexer["event-indexer"] } })).rejects.toThrow(
      [
        'defimon:node.zone = "europe-west1-c": a group of 2 nodes spreads over every zone of the region: leave it unset (or set defimon:node.replicas to 1)',
        `defimon:services.data-ingestion = {"image":"ethereum/client-go:v1.17.5@sha256:abababababababababababababababababab… (122 characters as JSON): is a publisher (defimon:publishers) and would run on each of the 2 nodes, publishing every event 2 times: run it off the nodes, or set defimon:node.replicas to 1`,
      ].join("\n"),
    );
  });
});

describe("newestChainSnapshot", () => {
  const noneLeft = () => Promise.reject(Object.assign(new Error("invoke failed"), { details: "your filter has returned 0 snapshot(s). Please refine your filter or set most_recent to return exactly one snapshot" }));
  it("is the newest ready snapshot labelled with the stack", async () => {
    let asked: unknown;
    const link = await newestChainSnapshot("prod", async (args) => ((asked = args), { selfLink: "https://compute/snap-1" }));
    expect(link).toBe("https://compute/snap-1");
    // Each expression in parentheses, as the API reference asks of a filter with more than one.
    expect(asked).toEqual({ filter: '(labels.pulumi-stack = "prod") AND (status = "READY")', mostRecent: true });
  });
  it("is none when the provider finds none (the first deployment)", async () => {
    expect(await newestChainSnapshot("prod", noneLeft)).toBeUndefined();
  });
  it("is none on a new project whose Compute Engine API is not on yet (its first preview)", async () => {
    const disabled = () => Promise.reject(new Error("googleapi: Error 403: Compute Engine API has not been used in project 123456789012 before or it is disabled. Enable it by visiting ..., accessNotConfigured; reason: SERVICE_DISABLED"));
    expect(await newestChainSnapshot("prod", disabled)).toBeUndefined();
    expect(await newestSeed("prod", "defimon-seed-prod", { image: disabled, snapshot: disabled })).toEqual({ none: "the project's Compute Engine API is not on yet, so it has no snapshot" });
  });
  it("stops the run on any other failure", async () => {
    await expect(newestChainSnapshot("prod", () => Promise.reject(new Error("googleapi: Error 403: Required 'compute.snapshots.list' permission")))).rejects.toThrow("403");
  });
});

describe("a group's seed", () => {
  const noImage = () => Promise.reject(new Error("error retrieving image information: googleapi: Error 404: The resource 'projects/p/global/images/defimon-seed-prod' was not found, notFound"));
  const snapshot = (link: string) => async () => ({ selfLink: link });

  it("keeps the seed image it made, whatever snapshot is newest now", async () => {
    const image = async () => ({ description: seedImageDescription("mainnet", "https://compute/snap-1") });
    expect(await newestSeed("prod", "defimon-seed-prod", { image, snapshot: snapshot("https://compute/snap-9") })).toEqual({ snapshot: "https://compute/snap-1" });
  });

  it("makes one from the newest snapshot when there is none", async () => {
    expect(await newestSeed("prod", "defimon-seed-prod", { image: noImage, snapshot: snapshot("https://compute/snap-9") })).toEqual({ snapshot: "https://compute/snap-9" });
  });

  it("plans the template on the seed image, which ignores newer snapshots; a snapshot config names is followed", async () => {
    const plan = await planStack("prod", { node: { seedSnapshot: "chain-2026-12-01" } });
    const image = named(plan, "defimon-node-seed");
    expect(image.inputs).toMatchObject({ name: "defimon-seed-prod", sourceSnapshot: "projects/defimon-prod/global/snapshots/chain-2026-12-01", storageLocations: ["europe-west1"] });
    expect(image.ignoreChanges ?? []).toEqual([]);
    // A fixed name: a new seed must delete the old image before it is made.
    expect(image.deleteBeforeReplace).toBe(true);
    const chain = (ofType(plan, "gcp:compute/instanceTemplate:InstanceTemplate")[0].inputs.disks as any[]).find((disk) => disk.deviceName === "chaindata");
    expect(chain.sourceImage).toBe("https://www.googleapis.com/compute/v1/projects/defimon-prod/global/images/defimon-seed-prod");
    expect(chain.sourceSnapshot).toBeUndefined();
  });
});
