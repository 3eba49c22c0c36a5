/**
 * Pulumi runtime mocks that answer like Google Cloud would: each resource comes back
 * with its inputs and the computed outputs the program reads (ids, emails, members),
 * shaped as the provider shapes them. Used by the offline plan and the tests.
 *
 * They refuse what Google Cloud refuses: every resource is checked against the rules in
 * gcpRules.ts (machine types, zones, disks, names, labels, metadata, alert policies,
 * dashboards, budgets; each rule with its source), and an image lookup succeeds only for
 * a tag known to be published (tools/data/public-images.json). Refusals are collected, not
 * thrown, so one run reports all of them; runProgram fails the plan with them.
 *
 * Nothing here talks to a cloud; every computed value is a recognisable placeholder.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import publicImages from "../data/public-images.json";
import { artifactRegistryRepository, parseImageReference, registryHost } from "../../lib/images";
import {
  alertPolicyProblems,
  budgetProblems,
  dashboardProblems,
  diskResourceProblems,
  healthCheckProblems,
  instanceProblems,
  instanceTemplateProblems,
  internalLoadBalancerProblems,
  labelProblems,
  namingProblems,
  regionGroupProblems,
} from "./gcpRules";

export interface MockProject {
  projectId: string;
  number: string;
  region: string;
  zone: string;
}

export const defaultMockProject: MockProject = {
  projectId: "defimon-offline-plan",
  number: "123456789012",
  region: "europe-west1",
  zone: "europe-west1-b",
};

type State = Record<string, any>;
type Computed = (name: string, inputs: State, project: MockProject) => { id: string; state?: State };

const serviceAgentDomains: Record<string, string> = {
  "pubsub.googleapis.com": "gcp-sa-pubsub",
  "secretmanager.googleapis.com": "gcp-sa-secretmanager",
  "monitoring.googleapis.com": "gcp-sa-monitoring-notification",
};

/** What the engine's auto-naming would add: the logical name and a suffix (fixed here, so plans compare). */
function autoName(name: string, inputs: State): string {
  return inputs.name ?? `${name}-0a1b2c3`;
}

/** Stand-ins for generated secret values; tests check they never appear in a plan. */
export const mockSecretValues = {
  randomBytesHex: "5ec2e7".repeat(10) + "5ec2",
  randomPassword: "MOCK-RANDOM-PASSWORD-NEVER-IN-CLEAR",
  accessToken: "MOCK-ACCESS-TOKEN-NEVER-IN-CLEAR",
};

function accountEmail(accountId: string, project: MockProject): string {
  return `${accountId}@${project.projectId}.iam.gserviceaccount.com`;
}

/** The computed outputs per resource type; types not listed echo their inputs with a generated id. */
const computed: Record<string, Computed> = {
  "gcp:projects/service:Service": (_n, i, p) => ({ id: `${p.projectId}/${i.service}` }),
  "gcp:projects/serviceIdentity:ServiceIdentity": (_n, i, p) => {
    const email = `service-${p.number}@${serviceAgentDomains[i.service] ?? "gcp-sa-unknown"}.iam.gserviceaccount.com`;
    return { id: `projects/${p.projectId}/services/${i.service}`, state: { email, member: `serviceAccount:${email}` } };
  },
  "gcp:kms/keyRing:KeyRing": (_n, i, p) => ({ id: `projects/${p.projectId}/locations/${i.location}/keyRings/${i.name}` }),
  "gcp:kms/cryptoKey:CryptoKey": (_n, i) => ({ id: `${i.keyRing}/cryptoKeys/${i.name}` }),
  "gcp:pubsub/topic:Topic": (_n, i, p) => ({ id: `projects/${p.projectId}/topics/${i.name}` }),
  "gcp:pubsub/subscription:Subscription": (_n, i, p) => ({ id: `projects/${p.projectId}/subscriptions/${i.name}` }),
  "gcp:pubsub/schema:Schema": (_n, i, p) => ({ id: `projects/${p.projectId}/schemas/${i.name}` }),
  "gcp:bigquery/dataset:Dataset": (_n, i, p) => ({ id: `projects/${p.projectId}/datasets/${i.datasetId}`, state: { project: p.projectId } }),
  "gcp:bigquery/table:Table": (_n, i, p) => ({ id: `projects/${p.projectId}/datasets/${i.datasetId}/tables/${i.tableId}`, state: { project: p.projectId } }),
  "gcp:storage/bucket:Bucket": (_n, i) => ({ id: i.name, state: { url: `gs://${i.name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${i.name}` } }),
  "gcp:serviceaccount/account:Account": (_n, i, p) => {
    const email = accountEmail(i.accountId, p);
    return {
      id: `projects/${p.projectId}/serviceAccounts/${email}`,
      state: { email, member: `serviceAccount:${email}`, name: `projects/${p.projectId}/serviceAccounts/${email}`, uniqueId: "100000000000000000001" },
    };
  },
  "gcp:serviceaccount/key:Key": (n, i) => ({
    id: `${i.serviceAccountId}/keys/${n}`,
    // Stands in for the key file; the program must only ever hand it out as a secret.
    state: { privateKey: Buffer.from(JSON.stringify({ type: "service_account", private_key: "MOCK-PRIVATE-KEY" })).toString("base64") },
  }),
  "gcp:compute/network:Network": (n, i, p) => ({ id: `projects/${p.projectId}/global/networks/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/subnetwork:Subnetwork": (n, i, p) => ({
    id: `projects/${p.projectId}/regions/${i.region}/subnetworks/${autoName(n, i)}`,
    state: { name: autoName(n, i), gatewayAddress: "10.20.0.1" },
  }),
  "gcp:compute/address:Address": (n, i, p) => ({
    id: `projects/${p.projectId}/regions/${i.region}/addresses/${autoName(n, i)}`,
    // TEST-NET-3 (RFC 5737): an address that is certainly nobody's; an internal one from the subnet.
    state: { name: autoName(n, i), address: i.addressType === "INTERNAL" ? "10.20.0.100" : "203.0.113.10" },
  }),
  "gcp:compute/firewall:Firewall": (n, i, p) => ({ id: `projects/${p.projectId}/global/firewalls/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/disk:Disk": (n, i, p) => ({ id: `projects/${p.projectId}/zones/${i.zone}/disks/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/instance:Instance": (n, i, p) => ({
    id: `projects/${p.projectId}/zones/${i.zone}/instances/${autoName(n, i)}`,
    state: {
      name: autoName(n, i),
      instanceId: "4815162342000000001",
      networkInterfaces: (i.networkInterfaces ?? []).map((nic: State, index: number) => ({ ...nic, networkIp: `10.20.0.${index + 2}` })),
    },
  }),
  "gcp:compute/instanceTemplate:InstanceTemplate": (n, i, p) => {
    const name = autoName(n, i);
    return { id: `projects/${p.projectId}/global/instanceTemplates/${name}`, state: { name, selfLink: `https://www.googleapis.com/compute/v1/projects/${p.projectId}/global/instanceTemplates/${name}`, selfLinkUnique: `https://www.googleapis.com/compute/v1/projects/${p.projectId}/global/instanceTemplates/${name}?uniqueId=4815162342000000002` } };
  },
  "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": (n, i, p) => {
    const name = autoName(n, i);
    return { id: `projects/${p.projectId}/regions/${i.region}/instanceGroupManagers/${name}`, state: { name, instanceGroup: `https://www.googleapis.com/compute/v1/projects/${p.projectId}/regions/${i.region}/instanceGroups/${name}` } };
  },
  "gcp:compute/healthCheck:HealthCheck": (n, i, p) => ({ id: `projects/${p.projectId}/global/healthChecks/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/regionBackendService:RegionBackendService": (n, i, p) => ({ id: `projects/${p.projectId}/regions/${i.region}/backendServices/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/forwardingRule:ForwardingRule": (n, i, p) => ({ id: `projects/${p.projectId}/regions/${i.region}/forwardingRules/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:compute/image:Image": (n, i, p) => {
    const name = autoName(n, i);
    return { id: `projects/${p.projectId}/global/images/${name}`, state: { name, selfLink: `https://www.googleapis.com/compute/v1/projects/${p.projectId}/global/images/${name}` } };
  },
  "gcp:compute/resourcePolicy:ResourcePolicy": (n, i, p) => ({ id: `projects/${p.projectId}/regions/${i.region}/resourcePolicies/${autoName(n, i)}`, state: { name: autoName(n, i) } }),
  "gcp:monitoring/notificationChannel:NotificationChannel": (n, _i, p) => ({ id: `projects/${p.projectId}/notificationChannels/${n}` }),
  "gcp:monitoring/alertPolicy:AlertPolicy": (n, _i, p) => ({ id: `projects/${p.projectId}/alertPolicies/${n}`, state: { name: `projects/${p.projectId}/alertPolicies/${n}` } }),
  "gcp:monitoring/dashboard:Dashboard": (n, _i, p) => ({ id: `projects/${p.number}/dashboards/${n}` }),
  "gcp:secretmanager/secret:Secret": (_n, i, p) => ({ id: `projects/${p.projectId}/secrets/${i.secretId}`, state: { name: `projects/${p.number}/secrets/${i.secretId}` } }),
  "gcp:secretmanager/secretVersion:SecretVersion": (_n, i) => ({ id: `${i.secret}/versions/1`, state: { version: "1" } }),
  "random:index/randomBytes:RandomBytes": () => ({
    id: "random-bytes",
    state: { hex: mockSecretValues.randomBytesHex, base64: Buffer.from(mockSecretValues.randomBytesHex, "hex").toString("base64") },
  }),
  "random:index/randomPassword:RandomPassword": () => ({ id: "none", state: { result: mockSecretValues.randomPassword, bcryptHash: "$2a$10$mock" } }),
  "random:index/randomId:RandomId": (_n, i) => {
    const bytes = Buffer.alloc(i.byteLength ?? 4, 0xab);
    return { id: bytes.toString("base64url"), state: { hex: bytes.toString("hex"), b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64"), dec: "11259375" } };
  },
};

/** An invoke's failure as the engine hands it to the program: the provider's text in `details`. */
function providerError(reason: string): Error {
  return Object.assign(new Error(reason), { details: reason });
}

/** Invokes the program makes, answered as GCP would for the mock project. */
const invokes: Record<string, (inputs: State, project: MockProject) => State> = {
  "gcp:organizations/getProject:getProject": (_i, p) => ({
    projectId: p.projectId,
    number: p.number,
    name: p.projectId,
    id: `projects/${p.projectId}`,
  }),
  "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount": (_i, p) => {
    const email = `bq-${p.number}@bigquery-encryption.iam.gserviceaccount.com`;
    return { email, member: `serviceAccount:${email}`, project: p.projectId, id: p.projectId };
  },
  "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": (_i, p) => {
    const email = `service-${p.number}@gs-project-accounts.iam.gserviceaccount.com`;
    return { emailAddress: email, member: `serviceAccount:${email}`, project: p.projectId, id: email };
  },
  // An offline plan's project has no snapshots: the provider's answer to a filter that matches none.
  "gcp:compute/getSnapshot:getSnapshot": (i) => {
    throw providerError(`your filter has returned 0 snapshot(s). Please refine your filter or set most_recent to return exactly one snapshot (filter: ${i.filter})`);
  },
  // Nor images: the provider's answer to an image looked up by a name that does not exist
  // (data_source_google_compute_image.go wraps the API's 404).
  "gcp:compute/getImage:getImage": (i, p) => {
    throw providerError(`error retrieving image information: googleapi: Error 404: The resource 'projects/${p.projectId}/global/images/${i.name}' was not found, notFound`);
  },
  // Nor subscriptions (data_source_google_pubsub_subscription.go: "<id> not found").
  "gcp:pubsub/getSubscription:getSubscription": (i, p) => {
    throw providerError(`projects/${p.projectId}/subscriptions/${i.name} not found`);
  },
  "gcp:organizations/getClientConfig:getClientConfig": (_i, p) => ({
    project: p.projectId,
    region: p.region,
    zone: p.zone,
    id: p.projectId,
    accessToken: mockSecretValues.accessToken,
  }),
};

/** The stand-in digest of a reference: stable across runs, and plainly not a registry's. */
export function standInDigest(reference: string): string {
  return `sha256:${createHash("sha256").update(`offline-plan:${reference}`).digest("hex")}`;
}

/**
 * Why the offline plan cannot resolve an image, as the registry would answer, or
 * undefined for a published public tag (then a stand-in digest is used). Private
 * registries cannot be reached offline: a registry with no auth in the provider answers
 * 401 as the real one would; with auth, the digest still cannot be known offline.
 */
export function unresolvableImage(reference: string, registryAuthHosts: string[]): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed) return "not an image reference";
  const host = registryHost(reference);
  const repository = host === "docker.io" && !parsed.repository.includes("/") ? `docker.io/library/${parsed.repository}` : host === "docker.io" && !parsed.repository.startsWith("docker.io/") ? `docker.io/${parsed.repository}` : parsed.repository;
  const tags = (publicImages.images as Record<string, Record<string, string>>)[repository];
  if (tags && parsed.tag && tags[parsed.tag]) return undefined;
  if (artifactRegistryRepository(reference)) {
    return registryAuthHosts.includes(host)
      ? "a private Artifact Registry image: its digest cannot be read offline; pin it in config (repo:tag@sha256:...) to plan offline"
      : `401 Unauthorized: the registry provider has no auth for ${host}`;
  }
  return tags
    ? `tag ${parsed.tag} is not among the published tags the offline plan knows (tools/data/public-images.json: ${Object.keys(tags).join(", ")})`
    : `${repository} is not a public image the offline plan knows (tools/data/public-images.json); pin a digest in config to plan offline`;
}

export class GcpMocks implements pulumi.runtime.Mocks {
  /** What Google Cloud (or a registry) would have refused, one line each. */
  readonly refusals: string[] = [];
  /** References that got a stand-in digest. */
  readonly standInImages: string[] = [];
  private readonly diskTypes = new Map<string, string>();
  private readonly providers = new Map<string, State>();

  constructor(readonly project: MockProject = defaultMockProject) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const answer = computed[args.type]?.(args.name, args.inputs, this.project);
    const id = answer?.id ?? `${args.name}-id`;
    this.refuse(args.type, args.name, this.problems(args));
    if (args.type === "gcp:compute/disk:Disk") this.diskTypes.set(id, args.inputs.type ?? "pd-standard");
    if (args.type.startsWith("pulumi:providers:")) this.providers.set(args.name, args.inputs);
    return { id, state: { ...args.inputs, ...(answer?.state ?? {}) } };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    if (args.token === "docker:index/getRegistryImage:getRegistryImage") return this.registryImage(args);
    const answer = invokes[args.token];
    if (!answer) throw new Error(`the offline plan has no mock for invoke ${args.token}; add one to tools/plan/mocks.ts`);
    return answer(args.inputs, this.project);
  }

  /** The provider a resource or invoke names (a reference `urn::id`), by its logical name. */
  private provider(reference: string | undefined): State | undefined {
    const parts = reference?.split("::") ?? [];
    return parts.length >= 2 ? this.providers.get(parts[parts.length - 2]) : undefined;
  }

  /** As the docker provider answers: a digest, or the registry's refusal (thrown, as the provider does). */
  private registryImage(args: pulumi.runtime.MockCallArgs): State {
    const reference = String(args.inputs.name);
    // A provider's non-string config reaches the engine JSON-encoded, and secret-wrapped
    // when it holds a secret (the access token).
    const wrapped = this.provider(args.provider)?.registryAuth ?? "[]";
    const auth = wrapped[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? wrapped.value : wrapped;
    const authHosts = ((typeof auth === "string" ? JSON.parse(auth) : auth) as State[]).map((entry) => String(entry.address));
    const reason = unresolvableImage(reference, authHosts);
    // The runtime reports an invoke's failure by the gRPC error's `details`, as the engine sends it.
    if (reason) throw Object.assign(new Error(reason), { details: reason });
    this.standInImages.push(reference);
    return { id: reference, name: reference, sha256Digest: standInDigest(reference) };
  }

  private problems(args: pulumi.runtime.MockResourceArgs): string[] {
    const inputs = args.inputs;
    switch (args.type) {
      case "gcp:compute/instance:Instance":
        return instanceProblems(inputs, ((inputs.attachedDisks ?? []) as State[]).map((disk) => this.diskTypes.get(disk.source) ?? "pd-standard"));
      case "gcp:compute/disk:Disk":
        return diskResourceProblems(inputs);
      case "gcp:compute/instanceTemplate:InstanceTemplate":
        return instanceTemplateProblems(inputs, this.project.region);
      case "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager":
        return regionGroupProblems(inputs);
      case "gcp:compute/healthCheck:HealthCheck":
        return healthCheckProblems(inputs);
      case "gcp:compute/regionBackendService:RegionBackendService":
      case "gcp:compute/forwardingRule:ForwardingRule":
        return internalLoadBalancerProblems(args.type, inputs);
      case "gcp:monitoring/alertPolicy:AlertPolicy":
        return alertPolicyProblems(inputs);
      case "gcp:monitoring/dashboard:Dashboard":
        return dashboardProblems(inputs.dashboardJson);
      case "gcp:billing/budget:Budget":
        return budgetProblems(inputs, this.provider(args.provider));
      case "gcp:monitoring/notificationChannel:NotificationChannel":
        return labelProblems(inputs.userLabels, "userLabels");
      default:
        return namingProblems(args.type, inputs);
    }
  }

  private refuse(type: string, name: string, problems: string[]): void {
    for (const problem of problems) this.refusals.push(`${type} ${name}: ${problem}`);
  }
}
