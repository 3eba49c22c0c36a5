/**
 * Pulumi runtime mocks that answer like Google Cloud would: each resource comes back
 * with its inputs and the computed outputs the program reads (ids, emails, members),
 * shaped as the provider shapes them. Used by the offline plan and the tests.
 *
 * Nothing here talks to a cloud; every computed value is a recognisable placeholder.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

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
    // TEST-NET-3 (RFC 5737): an address that is certainly nobody's.
    state: { name: autoName(n, i), address: "203.0.113.10" },
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

/** Invokes the program makes, answered as GCP would for the mock project. */
const invokes: Record<string, (inputs: State, project: MockProject) => State> = {
  "gcp:organizations/getProject:getProject": (_i, p) => ({
    projectId: p.projectId,
    number: p.number,
    name: p.projectId,
    id: `projects/${p.projectId}`,
  }),
  "gcp:organizations/getClientConfig:getClientConfig": (_i, p) => ({ project: p.projectId, region: p.region, zone: p.zone, id: p.projectId }),
  // A digest derived from the reference: stable across runs, and plainly not a registry's.
  "docker:index/getRegistryImage:getRegistryImage": (i) => ({
    id: i.name,
    name: i.name,
    sha256Digest: `sha256:${createHash("sha256").update(`offline-plan:${i.name}`).digest("hex")}`,
  }),
};

export class GcpMocks implements pulumi.runtime.Mocks {
  constructor(readonly project: MockProject = defaultMockProject) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const answer = computed[args.type]?.(args.name, args.inputs, this.project);
    return {
      id: answer?.id ?? `${args.name}-id`,
      state: { ...args.inputs, ...(answer?.state ?? {}) },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    const answer = invokes[args.token];
    if (!answer) throw new Error(`the offline plan has no mock for invoke ${args.token}; add one to lib/plan/mocks.ts`);
    return answer(args.inputs, this.project);
  }
}
