/**
 * The policy pack: the prod plan is the compliant baseline; each test changes one
 * field of one resource and expects exactly that rule to fire.
 */
import { evaluatePolicies, Violation } from "../../lib/plan/policy";
import { policies } from "../../policy/rules";
import { Plan, planStack } from "../helpers/run";

let baseline: Plan;
beforeAll(async () => {
  baseline = await planStack("prod");
});

/** A copy of the baseline with `change` applied to the named resource. */
function changed(name: string, change: (resource: Plan["resources"][number]) => void): Plan {
  const plan: Plan = JSON.parse(JSON.stringify(baseline));
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
    expect(await violations(await planStack("dev"))).toEqual([]);
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
    ["the default compute account", "defimon-node-vm", (r) => (r.inputs.serviceAccount = { email: "123456789012-compute@developer.gserviceaccount.com", scopes: ["https://www.googleapis.com/auth/cloud-platform"] }), "no-default-compute-service-account"],
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
    ["no secure boot", "defimon-node-vm", (r) => (r.inputs.shieldedInstanceConfig.enableSecureBoot = false), "shielded-vm"],
    ["no OS Login", "defimon-node-vm", (r) => (r.inputs.metadata["enable-oslogin"] = "FALSE"), "os-login"],
    ["project SSH keys allowed", "defimon-node-vm", (r) => delete r.inputs.metadata["block-project-ssh-keys"], "project-ssh-keys-blocked"],
    ["serial port on", "defimon-node-vm", (r) => (r.inputs.metadata["serial-port-enable"] = "TRUE"), "serial-port-off"],
    ["editor on the project for a service account", "defimon-node-log-writer", (r) => (r.inputs.role = "roles/editor"), "no-broad-project-roles-for-service-accounts"],
    ["token creator on the project for a service account", "defimon-node-metric-writer", (r) => (r.inputs.role = "roles/iam.serviceAccountTokenCreator"), "no-broad-project-roles-for-service-accounts"],
    ["no deletion protection on prod", "defimon-node-vm", (r) => (r.inputs.deletionProtection = false), "protected-stack-safeguards"],
    ["an unprotected key on prod", "defimon-kms-key", (r) => (r.protect = false), "protected-stack-safeguards"],
  ])("fires on %s", async (_case, name, change, policy) => {
    expect(firing(await violations(changed(name, change)))).toEqual([policy]);
  });

  it("lets a rule admit a public /16, or private space of any size", async () => {
    expect(await violations(changed("defimon-node-net-rpc-iap", (r) => (r.inputs.sourceRanges = ["35.0.0.0/17", "35.0.128.0/17", "10.0.0.0/8", "fc00::/7"])))).toEqual([]);
  });

  it("allows the broad roles to people, and narrow roles to service accounts", async () => {
    expect(await violations(changed("defimon-node-log-writer", (r) => (r.inputs = { ...r.inputs, role: "roles/viewer", member: "user:oncall@example.com" })))).toEqual([]);
  });

  it("knows protected stacks from its configuration", async () => {
    const unguarded = changed("defimon-node-vm", (r) => (r.inputs.deletionProtection = false));
    expect(await violations(unguarded, { "protected-stack-safeguards": { properties: { protectedStacks: [] } } })).toEqual([]);
  });

  it("takes enforcement levels from its configuration, as Pulumi's --policy-pack-config does", async () => {
    const unguarded = changed("defimon-node-vm", (r) => (r.inputs.deletionProtection = false));
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
      "VM defimon-node-vm has no deletion protection on a protected stack",
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
