/**
 * The policy pack: the prod plan is the compliant baseline; each test changes one
 * field of one resource and expects exactly that rule to fire.
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { evaluatePolicies, Violation } from "../../tools/plan/policy";
import { policies } from "../../policy/rules";
import { Plan, planStack } from "../helpers/run";

/** prod as its stack file plans it (a group of nodes), and prod on one host (for the VM's own rules). */
let baseline: Plan;
let oneHost: Plan;
beforeAll(async () => {
  // One after the other: a plan holds the Pulumi runtime's global state while it runs.
  baseline = await planStack("prod");
  oneHost = await planStack("prod", { node: { replicas: 1 } });
});

/** prod on one host breaks one rule by design (a protected stack runs two nodes): set aside for the VM's own rules. */
const hostConfig = { "protected-stack-node-replicas": { enforcementLevel: "disabled", properties: {} } };

/** A copy of the baseline with `change` applied to the named resource. */
function changed(name: string, change: (resource: Plan["resources"][number]) => void, base: Plan = baseline): Plan {
  const plan: Plan = JSON.parse(JSON.stringify(base));
  const resource = plan.resources.find((r) => r.name === name);
  if (!resource) throw new Error(`no resource ${name}`);
  change(resource);
  return plan;
}

async function violations(plan: Plan, config = {}): Promise<Violation[]> {
  return evaluatePolicies(plan, config);
}

const firing = (list: Violation[]) => [...new Set(list.map((v) => v.policy))];

describe("policy pack", () => {
  it("is mandatory throughout", () => {
    expect(policies.map((p) => p.enforcementLevel)).toEqual(policies.map(() => "mandatory"));
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  });

  it("passes the prod and dev plans as they are", async () => {
    expect(await violations(baseline)).toEqual([]);
    expect(await violations(oneHost, hostConfig)).toEqual([]);
    expect(await violations(await planStack("dev"))).toEqual([]);
  });

  it.each<[string, string, (r: any) => void, string]>([
    ["the default compute account", "defimon-node-vm", (r) => (r.inputs.serviceAccount = { email: "123456789012-compute@developer.gserviceaccount.com", scopes: ["https://www.googleapis.com/auth/cloud-platform"] }), "no-default-compute-service-account"],
    ["no secure boot", "defimon-node-vm", (r) => (r.inputs.shieldedInstanceConfig.enableSecureBoot = false), "shielded-vm"],
    ["no OS Login", "defimon-node-vm", (r) => (r.inputs.metadata["enable-oslogin"] = "FALSE"), "os-login"],
    ["project SSH keys allowed", "defimon-node-vm", (r) => delete r.inputs.metadata["block-project-ssh-keys"], "project-ssh-keys-blocked"],
    ["serial port on", "defimon-node-vm", (r) => (r.inputs.metadata["serial-port-enable"] = "TRUE"), "serial-port-off"],
    ["no deletion protection on prod", "defimon-node-vm", (r) => (r.inputs.deletionProtection = false), "protected-stack-safeguards"],
  ])("fires on one host's VM with %s", async (_case, name, change, policy) => {
    expect(firing(await violations(changed(name, change, oneHost), hostConfig))).toEqual([policy]);
  });

  it.each<[string, string, (r: any) => void, string]>([
    ["a topic without CMEK", "defimon-events-topic", (r) => delete r.inputs.kmsKeyName, "pubsub-topic-cmek"],
    ["a consumer's subscription with a TTL", "defimon-events-ml-pipeline-subscription", (r) => (r.inputs.expirationPolicy = { ttl: "2678400s" }), "pubsub-subscription-never-expires"],
    ["the BigQuery sink's subscription with a TTL", "defimon-analytics-bigquery-subscription", (r) => (r.inputs.expirationPolicy = { ttl: "2678400s" }), "pubsub-subscription-never-expires"],
    ["a dead-letter subscription without expiration policy", "defimon-events-stream-processing-dead-letter-subscription", (r) => delete r.inputs.expirationPolicy, "pubsub-subscription-never-expires"],
    ["a consumer's subscription without dead-lettering", "defimon-events-event-indexer-subscription", (r) => delete r.inputs.deadLetterPolicy, "dead-lettering-with-service-agent-grants"],
    ["the BigQuery sink without dead-lettering", "defimon-analytics-bigquery-subscription", (r) => delete r.inputs.deadLetterPolicy, "dead-lettering-with-service-agent-grants"],
    ["no publisher grant for the service agent", "defimon-events-dead-letter-publisher", (r) => (r.inputs.member = "serviceAccount:someone@p.iam.gserviceaccount.com"), "dead-lettering-with-service-agent-grants"],
    ["no subscriber grant for the service agent", "defimon-events-batch-processing-dead-letter-subscriber", (r) => (r.inputs.role = "roles/pubsub.viewer"), "dead-lettering-with-service-agent-grants"],
    ["a service's account with a role on the project", "defimon-node-log-writer", (r) => (r.inputs.member = "serviceAccount:dfm-ml-pipeline-prod@defimon-prod.iam.gserviceaccount.com"), "no-project-roles-for-service-identities"],
    ["rotation over 90 days", "defimon-kms-key", (r) => (r.inputs.rotationPeriod = "8640000s"), "kms-rotation-1-to-90-days"],
    ["rotation under a day", "defimon-kms-key", (r) => (r.inputs.rotationPeriod = "3600s"), "kms-rotation-1-to-90-days"],
    ["no rotation", "defimon-kms-key", (r) => delete r.inputs.rotationPeriod, "kms-rotation-1-to-90-days"],
    ["SSH open to the internet", "defimon-node-net-ssh-iap", (r) => (r.inputs.sourceRanges = ["0.0.0.0/0"]), "no-sensitive-port-open-to-internet"],
    ["RPC open to the IPv6 internet", "defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["::/0"]), "no-sensitive-port-open-to-internet"],
    // However the ranges are split: two halves are everyone, a /8 is 16.7 million addresses.
    ["RPC open to the internet in two halves", "defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["0.0.0.0/1", "128.0.0.0/1"]), "no-sensitive-port-open-to-internet"],
    ["SSH open to a public /8", "defimon-node-net-ssh-iap", (r) => (r.inputs.sourceRanges = ["35.0.0.0/8"]), "no-sensitive-port-open-to-internet"],
    ["RPC open to two /17s and a bit more", "defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["35.0.0.0/17", "35.0.128.0/17", "36.0.0.0/24"]), "no-sensitive-port-open-to-internet"],
    ["RPC open to an IPv6 /16", "defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["2a00::/16"]), "no-sensitive-port-open-to-internet"],
    ["Grafana in a port range open to all", "defimon-node-net-p2p", (r) => r.inputs.allows.push({ protocol: "tcp", ports: ["3000-3010"] }), "no-sensitive-port-open-to-internet"],
    ["every port open to all", "defimon-node-net-p2p", (r) => r.inputs.allows.push({ protocol: "all" }), "no-sensitive-port-open-to-internet"],
    // GCP takes IP protocol numbers too: 6 is TCP, 17 UDP.
    ["RPC open to all as protocol 6", "defimon-node-net-p2p", (r) => r.inputs.allows.push({ protocol: "6", ports: ["8545"] }), "no-sensitive-port-open-to-internet"],
    ["every UDP port open to all as protocol 17", "defimon-node-net-p2p", (r) => r.inputs.allows.push({ protocol: "17" }), "no-sensitive-port-open-to-internet"],
    ["editor on the project for a service account", "defimon-node-log-writer", (r) => (r.inputs.role = "roles/editor"), "no-broad-project-roles-for-service-accounts"],
    ["token creator on the project for a service account", "defimon-node-metric-writer", (r) => (r.inputs.role = "roles/iam.serviceAccountTokenCreator"), "no-broad-project-roles-for-service-accounts"],
    ["an unprotected key on prod", "defimon-kms-key", (r) => (r.protect = false), "protected-stack-safeguards"],
    // The group's template: the VM rules hold for every node it makes.
    ["a template with the default compute account", "defimon-node-template", (r) => (r.inputs.serviceAccount = { email: "default", scopes: ["cloud-platform"] }), "no-default-compute-service-account"],
    ["a template without secure boot", "defimon-node-template", (r) => (r.inputs.shieldedInstanceConfig.enableSecureBoot = false), "shielded-vm"],
    ["a template without OS Login", "defimon-node-template", (r) => (r.inputs.metadata["enable-oslogin"] = "FALSE"), "os-login"],
    ["a template with the serial port on", "defimon-node-template", (r) => (r.inputs.metadata["serial-port-enable"] = "TRUE"), "serial-port-off"],
    ["a group without autohealing", "defimon-node-group", (r) => delete r.inputs.autoHealingPolicies, "node-groups-health-checked"],
    ["a group autohealing on a TCP check", "defimon-node-live", (r) => (r.inputs = { ...r.inputs, httpHealthCheck: undefined, tcpHealthCheck: { port: 8558 } }), "node-groups-health-checked"],
    ["a balancer without a health check", "defimon-node-rpc", (r) => r.type.includes("BackendService") && delete r.inputs.healthChecks, "node-groups-health-checked"],
    ["a group that repairs from the original template", "defimon-node-group", (r) => delete r.inputs.instanceLifecyclePolicy, "node-groups-health-checked"],
    ["a balancer that keeps connections on an unhealthy node", "defimon-node-rpc", (r) => r.type.includes("BackendService") && delete r.inputs.connectionTrackingPolicy, "node-groups-health-checked"],
    ["prod on one node of a group", "defimon-node-group", (r) => (r.inputs.targetSize = 1), "protected-stack-node-replicas"],
    ["an unprotected group on prod", "defimon-node-group", (r) => (r.protect = false), "protected-stack-safeguards"],
  ])("fires on %s", async (_case, name, change, policy) => {
    expect(firing(await violations(changed(name, change)))).toEqual([policy]);
  });

  /** The template's (or VM's) compose file with one service's image replaced. */
  const withImage = (service: string, image: string) => (r: any) => {
    const compose = parseYaml(r.inputs.metadata["defimon-file-docker-compose-yml"]);
    compose.services[service].image = image;
    r.inputs.metadata["defimon-file-docker-compose-yml"] = stringifyYaml(compose);
  };

  it.each<[string, string, string, RegExp]>([
    ["geth before mainnet's Fusaka release", "geth", `ethereum/client-go:v1.16.6@sha256:${"c".repeat(64)}`, /^defimon:node\.images\.geth = "ethereum\/client-go:v1\.16\.6@sha256:c+": does not schedule Fusaka \(Osaka\), active on mainnet since 2025-12-03 21:49:11 UTC/],
    ["Lighthouse before its security release", "lighthouse", `sigp/lighthouse:v8.3.2@sha256:${"c".repeat(64)}`, /^defimon:node\.images\.lighthouse = .*older than v8\.3\.3, a high-priority security release of 2026-11-09/],
    ["Grafana out of support", "grafana", `grafana/grafana:12.1.0@sha256:${"c".repeat(64)}`, /^defimon:node\.images\.grafana = .*support for grafana 12\.1 ended on 2026-04-23/],
  ])("fires node-clients-follow-network on a template with %s, naming the config key", async (_case, service, image, message) => {
    const list = await violations(changed("defimon-node-template", withImage(service, image)));
    expect(list.map((v) => v.policy)).toEqual(["node-clients-follow-network"]);
    expect(list[0].message).toMatch(message);
  });

  it("fires node-clients-follow-network on dev's VM with a geth that carries hoodi's withdrawn date", async () => {
    const dev = await planStack("dev");
    const list = await violations(changed("defimon-node-vm", withImage("geth", `ethereum/client-go:v1.17.9@sha256:${"c".repeat(64)}`), dev));
    expect(list.map((v) => [v.policy, v.message.split(": carries")[0]])).toEqual([["node-clients-follow-network", `defimon:node.images.geth = "ethereum/client-go:v1.17.9@sha256:${"c".repeat(64)}"`]]);
  });

  it("lets a rule admit a public /16, or private space of any size", async () => {
    expect(await violations(changed("defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["35.0.0.0/17", "35.0.128.0/17", "10.0.0.0/8", "fc00::/7"])))).toEqual([]);
  });

  it("allows the broad roles to people, and narrow roles to service accounts", async () => {
    expect(await violations(changed("defimon-node-log-writer", (r) => (r.inputs = { ...r.inputs, role: "roles/viewer", member: "user:oncall@example.com" })))).toEqual([]);
  });

  it("knows protected stacks, and how many nodes they need, from its configuration", async () => {
    const unguarded = changed("defimon-node-group", (r) => (r.protect = false));
    expect(await violations(unguarded, { "protected-stack-safeguards": { properties: { protectedStacks: [] } } })).toEqual([]);
    expect(await violations(baseline, { "protected-stack-node-replicas": { properties: { minNodes: 3 } } })).toEqual([
      expect.objectContaining({ policy: "protected-stack-node-replicas", message: expect.stringMatching(/^protected stack prod runs 2 Geth nodes; at least 3 /) }),
    ]);
  });

  it("refuses a prod stack file with one node", async () => {
    const list = await violations(oneHost);
    expect(list.map((v) => `${v.policy}: ${v.message}`)).toEqual([
      "protected-stack-node-replicas: protected stack prod runs 1 Geth node; at least 2 (defimon:node.replicas), so that a zone, a disk or an upgrade does not take RPC down",
    ]);
  });

  it("takes enforcement levels from its configuration, as Pulumi's --policy-pack-config does", async () => {
    const unguarded = changed("defimon-node-group", (r) => (r.protect = false));
    const advisory = await violations(unguarded, { all: { enforcementLevel: "advisory", properties: {} } });
    expect(advisory.map((v) => [v.policy, v.enforcement])).toEqual([["protected-stack-safeguards", "advisory"]]);
    const mandatoryAgain = await violations(unguarded, { all: { enforcementLevel: "advisory", properties: {} }, "protected-stack-safeguards": { enforcementLevel: "mandatory", properties: {} } });
    expect(mandatoryAgain.map((v) => v.enforcement)).toEqual(["mandatory"]);
    expect(await violations(unguarded, { "protected-stack-safeguards": { enforcementLevel: "disabled", properties: {} } })).toEqual([]);
  });

  it("fails a prod stack file whose config turns protection off", async () => {
    const plan = await planStack("prod", { protect: false });
    const list = await violations(plan);
    expect(firing(list)).toEqual(["protected-stack-safeguards"]);
    expect(list.map((v) => v.message).sort()).toEqual([
      "CryptoKey defimon-kms-key is not protected on a protected stack",
      "KeyRing defimon-kms-key-ring is not protected on a protected stack",
      "group defimon-node-group is not protected on a protected stack",
    ]);
  });
});

describe("policies meeting unknown values", () => {
  it("are advisory, as in a real preview: the SDK does not run a policy that reads an unknown", async () => {
    const plan = changed("defimon-kms-key", (r) => (r.inputs.rotationPeriod = "[unknown]"));
    expect(await violations(plan)).toEqual([
      {
        policy: "kms-rotation-1-to-90-days",
        urn: plan.resources.find((r) => r.name === "defimon-kms-key")!.urn,
        message: "can't run policy kms-rotation-1-to-90-days during preview: rotationPeriod is unknown",
        enforcement: "advisory",
      },
    ]);
  });
});
