/**
 * The DEFIMON stack's security and reliability rules as CrossGuard policies. The same
 * objects run in `pulumi preview --policy-pack policy` (policy/index.ts) and offline in
 * `npm run plan -- --policy` (tools/plan/policy.ts).
 */
import * as gcp from "@pulumi/gcp";
import { parse as parseYaml } from "yaml";
import { tooOpen } from "../lib/cidr";
import { clientCurrency } from "../lib/clientCurrency";
import * as clock from "../lib/clock";
import { networkNames, NetworkName } from "../lib/networks";
import { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Pack configuration: which stacks must be protected (matched against the stack name in URNs). */
export interface DefimonPolicyConfig {
  protectedStacks: string[];
  /** Geth nodes a protected stack runs at least (one is one zone, one disk, one process). */
  minNodes: number;
}
export const defaultPolicyConfig: DefimonPolicyConfig = { protectedStacks: ["prod"], minNodes: 2 };

/** VMs and the templates a managed instance group makes VMs from: the VM rules apply to both. */
const vmTypes = ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate", "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate"];
const groupTypes = ["gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "gcp:compute/instanceGroupManager:InstanceGroupManager"];

/** SSH, JSON-RPC/WS, Engine API, metrics (geth, Lighthouse), Prometheus, Grafana (container and host port). */
export const sensitivePorts = [22, 8545, 8546, 8551, 6060, 5052, 5054, 9090, 3000, 3002];
const primitiveOrImpersonationRoles = [
  "roles/owner",
  "roles/editor",
  "roles/viewer",
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountTokenCreator",
];

function isTrue(value: unknown): boolean {
  return /^(true|1)$/i.test(String(value ?? ""));
}

function durationSeconds(value: unknown): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(String(value ?? ""));
  return match ? Number(match[1]) : undefined;
}

/**
 * Protocols that carry ports, by name and by IP protocol number: GCP accepts either
 * ("tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all", or the protocol number;
 * https://cloud.google.com/compute/docs/reference/rest/v1/firewalls, allowed[].IPProtocol).
 */
const portProtocols: Record<string, string> = { tcp: "tcp", "6": "tcp", udp: "udp", "17": "udp", sctp: "sctp", "132": "sctp", all: "all" };

/** Whether a firewall `allows` entry lets `port` through (no ports, or protocol all, means every port). */
function allowsPort(allow: { protocol?: string; ports?: string[] }, port: number): boolean {
  if (!portProtocols[String(allow.protocol).trim().toLowerCase()]) return false;
  if (!allow.ports || allow.ports.length === 0) return true;
  return allow.ports.some((range) => {
    const [low, high = low] = range.split("-").map(Number);
    return port >= low && port <= high;
  });
}

function stackOf(urn: string): string {
  return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

/** The last path segment: "projects/p/topics/t" and "t" both name topic t. */
function shortName(value: unknown): string {
  return String(value ?? "").split("/").pop() ?? "";
}

export const topicsUseCmek: ResourceValidationPolicy = {
  name: "pubsub-topic-cmek",
  description: "Pub/Sub topics are encrypted with a customer-managed KMS key.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(gcp.pubsub.Topic, (topic, _args, report) => {
    if (!topic.kmsKeyName) report("topic has no kmsKeyName: set a customer-managed Cloud KMS key");
  }),
};

export const subscriptionsNeverExpire: ResourceValidationPolicy = {
  name: "pubsub-subscription-never-expires",
  description: "No subscription can expire (GCP deletes one idle for 31 days unless its TTL is empty).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(gcp.pubsub.Subscription, (subscription, _args, report) => {
    if (subscription.expirationPolicy?.ttl !== "") report(`expirationPolicy.ttl is ${JSON.stringify(subscription.expirationPolicy?.ttl)}: set it to "" (never expire)`);
  }),
};

export const kmsRotation: ResourceValidationPolicy = {
  name: "kms-rotation-1-to-90-days",
  description: "Cloud KMS keys rotate automatically, every 1 to 90 days.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(gcp.kms.CryptoKey, (key, _args, report) => {
    const seconds = durationSeconds(key.rotationPeriod);
    if (seconds === undefined) report("crypto key has no rotationPeriod");
    else if (seconds < 86400 || seconds > 90 * 86400) report(`rotationPeriod ${key.rotationPeriod} is outside 1 to 90 days`);
  }),
};

export const noDefaultComputeAccount: ResourceValidationPolicy = {
  name: "no-default-compute-service-account",
  description: "VMs run as their own service account: never the default compute account, never it with full access.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!vmTypes.includes(args.type)) return;
    const vm = args.props;
    const email = String(vm.serviceAccount?.email ?? "");
    if (!email || email === "default" || email.endsWith("-compute@developer.gserviceaccount.com")) {
      const fullAccess = (vm.serviceAccount?.scopes ?? []).some((scope: string) => /cloud-platform$/.test(scope));
      report(`VM runs as the default compute service account${fullAccess ? " with the full-access cloud-platform scope" : ""}: give it its own account`);
    }
  },
};

export const noOpenSensitivePorts: ResourceValidationPolicy = {
  name: "no-sensitive-port-open-to-internet",
  description: "No firewall rule opens SSH, RPC, the Engine API, metrics, Prometheus or Grafana to the internet: its source ranges together admit at most an IPv4 /16 or IPv6 /32 of internet addresses.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(gcp.compute.Firewall, (rule, _args, report) => {
    if (String(rule.direction ?? "INGRESS") !== "INGRESS") return;
    // The ranges together, however they are split (0.0.0.0/1 and 128.0.0.0/1 are everyone).
    const ranges: string[] = rule.sourceRanges ?? [];
    const open = tooOpen(ranges);
    if (!open) return;
    const exposed = sensitivePorts.filter((port) => (rule.allows ?? []).some((allow: { protocol?: string; ports?: string[] }) => allowsPort(allow, port)));
    if (exposed.length) report(`opens port(s) ${exposed.join(", ")} to ${ranges.join(" and ")}: ${open}`);
  }),
};

/** A rule on VMs, and on the instance templates a group makes its VMs from. */
function instanceRule(name: string, description: string, check: (vm: gcp.compute.InstanceArgs) => string | undefined): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (!vmTypes.includes(args.type)) return;
      const problem = check(args.props as gcp.compute.InstanceArgs);
      if (problem) report(problem);
    },
  };
}

const metadataOf = (vm: gcp.compute.InstanceArgs) => (vm.metadata ?? {}) as Record<string, unknown>;

export const shieldedVm = instanceRule("shielded-vm", "VMs are Shielded VMs: secure boot, vTPM, integrity monitoring.", (vm) => {
  const shielded = (vm.shieldedInstanceConfig ?? {}) as Record<string, unknown>;
  const off = ["enableSecureBoot", "enableVtpm", "enableIntegrityMonitoring"].filter((key) => shielded[key] !== true);
  return off.length ? `shieldedInstanceConfig lacks ${off.join(", ")}` : undefined;
});

export const osLogin = instanceRule("os-login", "VMs use OS Login.", (vm) =>
  isTrue(metadataOf(vm)["enable-oslogin"]) ? undefined : "metadata enable-oslogin is not TRUE",
);

export const projectSshKeysBlocked = instanceRule("project-ssh-keys-blocked", "VMs ignore project-wide SSH keys.", (vm) =>
  isTrue(metadataOf(vm)["block-project-ssh-keys"]) ? undefined : "metadata block-project-ssh-keys is not TRUE",
);

export const serialPortOff = instanceRule("serial-port-off", "VMs have the interactive serial console off.", (vm) =>
  isTrue(metadataOf(vm)["serial-port-enable"]) ? "metadata serial-port-enable is on" : undefined,
);

function projectRoleMembers(resource: PolicyResource): { role: string; members: string[] }[] {
  const props = resource.props;
  switch (resource.type) {
    case "gcp:projects/iAMMember:IAMMember":
      return [{ role: props.role, members: [props.member] }];
    case "gcp:projects/iAMBinding:IAMBinding":
      return [{ role: props.role, members: props.members ?? [] }];
    case "gcp:projects/iAMPolicy:IAMPolicy":
      try {
        return (JSON.parse(props.policyData ?? "{}").bindings ?? []).map((b: { role: string; members?: string[] }) => ({ role: b.role, members: b.members ?? [] }));
      } catch {
        return [];
      }
    default:
      return [];
  }
}

export const noBroadProjectRolesForServiceAccounts: StackValidationPolicy = {
  name: "no-broad-project-roles-for-service-accounts",
  description: "No service account holds owner, editor, viewer, service-account-user or token-creator on the project.",
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    for (const resource of args.resources) {
      for (const { role, members } of projectRoleMembers(resource)) {
        const accounts = members.filter((member) => String(member).startsWith("serviceAccount:"));
        if (primitiveOrImpersonationRoles.includes(role) && accounts.length) report(`${role} on the project for ${accounts.join(", ")}`, resource.urn);
      }
    }
  },
};

export const noProjectRolesForServiceIdentities: StackValidationPolicy = {
  name: "no-project-roles-for-service-identities",
  description: "The DEFIMON services' own accounts (defimon:iam:ServiceAccount) hold no role on the project: theirs are on the topic or their subscription.",
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    const identities = new Set(args.resources.filter((r) => r.type === "defimon:iam:ServiceAccount").map((r) => r.urn));
    const accountIds = args.resources
      .filter((r) => r.type === "gcp:serviceaccount/account:Account" && r.parent && identities.has(r.parent.urn))
      .map((r) => String(r.props.accountId));
    for (const resource of args.resources) {
      for (const { role, members } of projectRoleMembers(resource)) {
        const held = members.filter((member) => accountIds.some((id) => String(member).startsWith(`serviceAccount:${id}@`)));
        if (held.length) report(`${role} on the project for the service identity ${held.join(", ")}`, resource.urn);
      }
    }
  },
};

export const deadLetteringGranted: StackValidationPolicy = {
  name: "dead-lettering-with-service-agent-grants",
  description: "Subscriptions dead-letter, and the Pub/Sub service agent may publish to the dead-letter topic and subscribe to the source.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const agentGrants = (type: string, role: string) =>
      args.resources.filter((r) => r.type === type && r.props.role === role && /@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/.test(String(r.props.member)));
    const publishers = agentGrants("gcp:pubsub/topicIAMMember:TopicIAMMember", "roles/pubsub.publisher").map((r) => shortName(r.props.topic));
    const subscribers = agentGrants("gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", "roles/pubsub.subscriber").map((r) => shortName(r.props.subscription));
    const subscriptions = args.resources.filter((r) => r.type === "gcp:pubsub/subscription:Subscription");
    const deadLetterTopics = new Set(subscriptions.map((s) => shortName(s.props.deadLetterPolicy?.deadLetterTopic)).filter(Boolean));
    for (const subscription of subscriptions) {
      const policy = subscription.props.deadLetterPolicy;
      const name = shortName(subscription.props.name);
      if (!policy?.deadLetterTopic) {
        // A dead-letter topic's own subscription is where dead letters end; it needs none.
        if (!deadLetterTopics.has(shortName(subscription.props.topic))) report(`subscription ${name} has no dead-letter policy`, subscription.urn);
        continue;
      }
      const topic = shortName(policy.deadLetterTopic);
      if (!publishers.includes(topic)) report(`the Pub/Sub service agent cannot publish to dead-letter topic ${topic}`, subscription.urn);
      if (!subscribers.includes(name)) report(`the Pub/Sub service agent cannot subscribe to ${name}, so it cannot forward its dead letters`, subscription.urn);
    }
  },
};

export const nodeGroupsHealthChecked: StackValidationPolicy = {
  name: "node-groups-health-checked",
  description:
    "Every managed instance group autoheals on an HTTP health check with a request path (a TCP check passes a node whose geth answers nothing useful), to its current template (forceUpdateOnRepair), and every internal load balancer in front of one checks its backends' health and moves connections off an unhealthy one.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const checks = args.resources.filter((r) => r.type === "gcp:compute/healthCheck:HealthCheck" || r.type === "gcp:compute/regionHealthCheck:RegionHealthCheck");
    // A reference ends with the check's name: its logical name, or that plus the engine's suffix.
    const httpPath = (reference: unknown) => {
      const last = shortName(reference);
      const check = checks.filter((c) => last === c.name || last.startsWith(`${c.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
      const probe = check?.props.httpHealthCheck ?? check?.props.httpsHealthCheck ?? check?.props.http2HealthCheck;
      return check === undefined ? "unknown" : probe?.requestPath && probe.requestPath !== "/" ? "http" : "not-http";
    };
    for (const group of args.resources.filter((r) => groupTypes.includes(r.type))) {
      const healing = [group.props.autoHealingPolicies].flat().filter(Boolean)[0];
      if (!healing?.healthCheck) report(`group ${group.name} has no autohealing health check: a dead node stays in the group`, group.urn);
      else if (httpPath(healing.healthCheck) === "not-http") report(`group ${group.name} autoheals on a check without an HTTP request path: it cannot tell a stuck node from a working one`, group.urn);
      // Compute Engine's "update on repair": without it a repair recreates the node from the template it was made from.
      if (healing?.healthCheck && group.props.instanceLifecyclePolicy?.forceUpdateOnRepair !== "YES") {
        report(`group ${group.name} repairs nodes from their original template (instanceLifecyclePolicy.forceUpdateOnRepair is not YES): a node healed after an upgrade would run the old release`, group.urn);
      }
    }
    for (const backend of args.resources.filter((r) => r.type === "gcp:compute/regionBackendService:RegionBackendService" || r.type === "gcp:compute/backendService:BackendService")) {
      if (![backend.props.healthChecks].flat().filter(Boolean).length) report(`backend service ${backend.name} has no health check: it would send RPC to nodes that are behind or down`, backend.urn);
      // Internal passthrough balancers keep connections on an unhealthy backend by default (connection tracking).
      if (backend.props.loadBalancingScheme === "INTERNAL" && backend.props.connectionTrackingPolicy?.connectionPersistenceOnUnhealthyBackends !== "NEVER_PERSIST") {
        report(`backend service ${backend.name} keeps connections on unhealthy backends (connectionTrackingPolicy.connectionPersistenceOnUnhealthyBackends is not NEVER_PERSIST): WebSocket clients stay on a node that fell behind`, backend.urn);
      }
    }
  },
};

export const protectedStackNodes: StackValidationPolicy = {
  name: "protected-stack-node-replicas",
  description: "A protected stack runs at least minNodes (default 2) Geth nodes, as a managed instance group: one node is one zone, one disk and one process.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { protectedStacks: { type: "array", items: { type: "string" } }, minNodes: { type: "integer", minimum: 1 } } },
  validateStack: (args, report) => {
    const config = { ...defaultPolicyConfig, ...args.getConfig<Partial<DefimonPolicyConfig>>() };
    const stacks = new Set(args.resources.map((r) => stackOf(r.urn)));
    for (const stack of stacks) {
      if (!config.protectedStacks.includes(stack)) continue;
      const mine = args.resources.filter((r) => stackOf(r.urn) === stack);
      const vms = mine.filter((r) => r.type === "gcp:compute/instance:Instance");
      const groups = mine.filter((r) => groupTypes.includes(r.type));
      const nodes = vms.length + groups.reduce((sum, group) => sum + Number(group.props.targetSize ?? 0), 0);
      if (nodes < config.minNodes) {
        report(`protected stack ${stack} runs ${nodes} Geth node${nodes === 1 ? "" : "s"}; at least ${config.minNodes} (defimon:node.replicas), so that a zone, a disk or an upgrade does not take RPC down`, (groups[0] ?? vms[0])?.urn);
      }
    }
  },
};

export const protectedStackSafeguards: StackValidationPolicy = {
  name: "protected-stack-safeguards",
  description: "On protected stacks, VMs have deletion protection, and managed instance groups, KMS key rings and keys are protected.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { protectedStacks: { type: "array", items: { type: "string" } } } },
  validateStack: (args, report) => {
    const config = { ...defaultPolicyConfig, ...args.getConfig<Partial<DefimonPolicyConfig>>() };
    for (const resource of args.resources) {
      if (!config.protectedStacks.includes(stackOf(resource.urn))) continue;
      if (resource.type === "gcp:compute/instance:Instance" && resource.props.deletionProtection !== true) {
        report(`VM ${resource.name} has no deletion protection on a protected stack`, resource.urn);
      }
      // A group's nodes cannot carry deletion protection; the group itself is Pulumi-protected.
      if (groupTypes.includes(resource.type) && !resource.opts.protect) report(`group ${resource.name} is not protected on a protected stack`, resource.urn);
      if (["gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"].includes(resource.type) && !resource.opts.protect) {
        report(`${resource.type.split(":").pop()} ${resource.name} is not protected on a protected stack`, resource.urn);
      }
    }
  },
};

/** The compose file a VM or template boots with (lib/render/bootMetadata.ts), parsed; undefined if none. */
function composeOf(metadata: Record<string, unknown>): { services?: Record<string, { image?: string; command?: unknown[] }> } | undefined {
  const text = metadata["defimon-file-docker-compose-yml"];
  if (typeof text !== "string") return undefined;
  try {
    return parseYaml(text);
  } catch {
    return undefined;
  }
}

/**
 * The node's clients follow its network: the images a VM or template boots with
 * schedule every upgrade already active on the network the beacon node follows, carry
 * no withdrawn activation, are at or past their line's newest security release, and
 * Prometheus and Grafana are in support (data/network-upgrades.json,
 * data/client-support.json; the same check as the program's, at the time the preview runs).
 */
export const nodeClientsFollowNetwork: ResourceValidationPolicy = {
  name: "node-clients-follow-network",
  description: "The node's clients schedule every upgrade active on its network, carry no withdrawn date, have their line's security releases, and Prometheus and Grafana are supported.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!vmTypes.includes(args.type)) return;
    const services = composeOf(metadataOf(args.props as gcp.compute.InstanceArgs))?.services;
    if (!services) return;
    const command = (services.lighthouse?.command ?? []).map(String);
    const network = command[command.indexOf("--network") + 1] as NetworkName;
    if (!networkNames.includes(network)) {
      report(`the beacon node's --network is ${JSON.stringify(command[command.indexOf("--network") + 1] ?? null)}: one of ${networkNames.join(", ")}`);
      return;
    }
    const images = Object.fromEntries(["geth", "lighthouse", "prometheus", "grafana"].flatMap((name) => (typeof services[name]?.image === "string" ? [[name, services[name].image]] : [])));
    for (const problem of clientCurrency({ network, images, now: clock.now(), lookaheadDays: 0 }).problems) report(problem);
  },
};

export const policies = [
  topicsUseCmek,
  subscriptionsNeverExpire,
  deadLetteringGranted,
  kmsRotation,
  noDefaultComputeAccount,
  noOpenSensitivePorts,
  shieldedVm,
  osLogin,
  projectSshKeysBlocked,
  serialPortOff,
  noBroadProjectRolesForServiceAccounts,
  noProjectRolesForServiceIdentities,
  protectedStackSafeguards,
  nodeGroupsHealthChecked,
  protectedStackNodes,
  nodeClientsFollowNetwork,
];
