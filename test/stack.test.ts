/**
 * Both stack files, end to end: the real index.ts under the offline plan's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { mockSecretValues } from "../lib/plan/mocks";
import { ProgramError } from "../lib/plan/run";
import { parseDotenv } from "../lib/render/dotenv";
import { named, nameOf, ofType, Plan, planStack } from "./helpers/run";

const projectLevelIam = /^gcp:(projects|organizations|folder)\/iAM(Member|Binding|Policy)/i;

describe.each([
  ["dev", { preset: "small", protect: false, maxMessages: "100", batchSize: "50", publishers: "5", network: "hoodi", machineType: "e2-standard-4", diskGb: 400 }],
  ["prod", { preset: "high-load", protect: true, maxMessages: "5000", batchSize: "500", publishers: "20", network: "mainnet", machineType: "n2-highmem-8", diskGb: 2500 }],
])("stack %s", (stack, expected) => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack(stack);
  });

  it("declares the event bus, its key, the services' account and the Geth host", () => {
    const count = (type: string) => ofType(plan, type).length;
    expect(count("gcp:pubsub/topic:Topic")).toBe(2);
    expect(count("gcp:pubsub/subscription:Subscription")).toBe(2);
    expect(count("gcp:kms/keyRing:KeyRing")).toBe(1);
    expect(count("gcp:kms/cryptoKey:CryptoKey")).toBe(1);
    expect(count("gcp:serviceaccount/account:Account")).toBe(2); // the services' and the host's
    // No JSON key by default: orgs created since 2024 forbid them, and nothing on GCP needs one.
    expect(count("gcp:serviceaccount/key:Key")).toBe(0);
    expect(count("gcp:projects/service:Service")).toBe(9);
    expect(count("gcp:compute/instance:Instance")).toBe(1);
    expect(count("gcp:compute/disk:Disk")).toBe(1);
    expect(count("gcp:compute/network:Network")).toBe(1);
    expect(count("gcp:compute/subnetwork:Subnetwork")).toBe(1);
    expect(count("gcp:compute/address:Address")).toBe(1);
    expect(count("gcp:compute/firewall:Firewall")).toBe(4);
    expect(count("gcp:secretmanager/secret:Secret")).toBe(2);
    expect(count("gcp:secretmanager/secretVersion:SecretVersion")).toBe(2);
    expect(count("gcp:monitoring/alertPolicy:AlertPolicy")).toBe(9);
    expect(count("gcp:monitoring/dashboard:Dashboard")).toBe(1);
    expect(count("gcp:compute/resourcePolicy:ResourcePolicy")).toBe(1);
  });

  it("encrypts both topics with the stack's key, after the service agent may use it", () => {
    const keyId = plan.outputs.cryptoKeyId;
    for (const topic of ofType(plan, "gcp:pubsub/topic:Topic")) {
      expect(topic.inputs.kmsKeyName).toBe(keyId);
      expect(topic.dependsOn.map(nameOf)).toContain("defimon-kms-pubsub-agent-access");
    }
  });

  it("grants on resources; on the project only log and metric writing to the host", () => {
    const projectGrants = plan.resources.filter((r) => projectLevelIam.test(r.type));
    expect(projectGrants.map((g) => [g.inputs.role, g.inputs.member]).sort()).toEqual([
      ["roles/logging.logWriter", `serviceAccount:defimon-node-${stack}@defimon-${stack}.iam.gserviceaccount.com`],
      ["roles/monitoring.metricWriter", `serviceAccount:defimon-node-${stack}@defimon-${stack}.iam.gserviceaccount.com`],
    ]);
    const serviceGrants = plan.resources.filter((r) => /IAMMember$/.test(r.type) && String(r.inputs.member).includes("defimon-service@"));
    expect(serviceGrants.map((g) => [g.type.split(":").pop(), g.inputs.role, g.inputs.topic ?? g.inputs.subscription]).sort()).toEqual([
      ["SubscriptionIAMMember", "roles/pubsub.subscriber", "defimon-events-sub"],
      ["SubscriptionIAMMember", "roles/pubsub.subscriber", "defimon-events-sub-dead-letter"],
      ["TopicIAMMember", "roles/pubsub.publisher", "defimon-events"],
    ]);
  });

  it(`${expected.protect ? "protects" : "does not protect"} the key and uses ${expected.protect ? "plain" : "suffixed"} key ring names`, () => {
    expect(named(plan, "defimon-kms-key").protect).toBe(expected.protect);
    expect(named(plan, "defimon-kms-key-ring").protect).toBe(expected.protect);
    expect(named(plan, "defimon-kms-key-ring").inputs.name).toMatch(expected.protect ? /^defimon$/ : /^defimon-[0-9a-f]{6}$/);
  });

  it(`renders the ${expected.preset} preset into the services' .env`, () => {
    const env = parseDotenv(plan.outputs.eventStreamEnv as string);
    expect(env).toMatchObject({
      GOOGLE_CLOUD_PUBSUB_TOPIC: "defimon-events",
      GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION: "defimon-events-sub",
      GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: expected.maxMessages,
      EVENT_STREAM_BATCH_SIZE: expected.batchSize,
      EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: expected.publishers,
      GOOGLE_CLOUD_PUBSUB_KMS_KEY_NAME: plan.outputs.cryptoKeyId,
    });
  });

  it("labels what takes labels with the config's labels and the stack's", () => {
    for (const resource of [...ofType(plan, "gcp:pubsub/topic:Topic"), ...ofType(plan, "gcp:pubsub/subscription:Subscription"), named(plan, "defimon-kms-key")]) {
      expect(resource.inputs.labels).toEqual({ team: "defimon", environment: stack, "managed-by": "pulumi", "pulumi-stack": stack });
    }
  });

  it("plans only images that can be pulled: published public tags, pinned to stand-in digests", () => {
    expect(plan.standInImages).toEqual(["ethereum/client-go:v1.17.5", "grafana/grafana:12.1.0", "prom/prometheus:v3.5.0", "sigp/lighthouse:v8.0.0"]);
  });

  it("enables Resource Manager (getProject and project IAM call it)", () => {
    expect(ofType(plan, "gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("cloudresourcemanager.googleapis.com");
  });

  it("keeps a service-account key, when config asks for one, secret in the outputs and everywhere in the plan", async () => {
    const keyed = await planStack(stack, { serviceAccount: { createKey: true } });
    expect(keyed.outputs.serviceAccountKey).toBe("[secret]");
    expect(plan.outputs.serviceAccountKey).toBeUndefined();
    const mockKey = Buffer.from(JSON.stringify({ type: "service_account", private_key: "MOCK-PRIVATE-KEY" })).toString("base64");
    const text = JSON.stringify(keyed);
    expect(text).not.toContain(mockKey);
    expect(text).not.toContain("MOCK-PRIVATE-KEY");
  });

  it("keeps generated secrets (JWT, Grafana password) out of metadata, outputs and the plan", () => {
    const text = JSON.stringify(plan);
    for (const value of Object.values(mockSecretValues)) expect(text).not.toContain(value);
    for (const version of ofType(plan, "gcp:secretmanager/secretVersion:SecretVersion")) expect(version.inputs.secretData).toBe("[secret]");
    expect(plan.outputs.grafanaPasswordSecret).toBe(`defimon-${stack}-grafana-admin-password`);
  });

  it(`runs the Geth host on ${expected.network}`, () => {
    expect(plan.outputs).toMatchObject({
      nodeNetwork: expected.network,
      nodeZone: "europe-west1-b",
      nodeExternalIp: "203.0.113.10",
      nodeInternalRpcUrl: "http://10.20.0.2:8545",
      nodeVmName: "defimon-node-vm-0a1b2c3",
      nodeDataDiskId: expect.stringMatching(/\/disks\/defimon-node-chaindata-/),
      rpcTunnelCommand: `gcloud compute start-iap-tunnel defimon-node-vm-0a1b2c3 8545 --local-host-port=localhost:8545 --zone europe-west1-b --project defimon-${stack}`,
      grafanaTunnelCommand: `gcloud compute start-iap-tunnel defimon-node-vm-0a1b2c3 3002 --local-host-port=localhost:3002 --zone europe-west1-b --project defimon-${stack}`,
    });
    expect(named(plan, "defimon-node-vm").inputs.machineType).toBe(expected.machineType);
    expect(named(plan, "defimon-node-chaindata").inputs).toMatchObject({ size: expected.diskGb });
    expect(Object.keys(plan.outputs.nodeImages as object).sort()).toEqual(["geth", "grafana", "lighthouse", "prometheus"]);
  });

  it("exports names and ids of all four Pub/Sub resources, the key and the account", () => {
    expect(plan.outputs).toMatchObject({
      topicName: "defimon-events",
      subscriptionName: "defimon-events-sub",
      deadLetterTopicName: "defimon-events-dead-letter",
      deadLetterSubscriptionName: "defimon-events-sub-dead-letter",
      topicId: `projects/defimon-${stack}/topics/defimon-events`,
      subscriptionId: `projects/defimon-${stack}/subscriptions/defimon-events-sub`,
      deadLetterTopicId: `projects/defimon-${stack}/topics/defimon-events-dead-letter`,
      deadLetterSubscriptionId: `projects/defimon-${stack}/subscriptions/defimon-events-sub-dead-letter`,
      serviceAccountEmail: `defimon-service@defimon-${stack}.iam.gserviceaccount.com`,
    });
    expect(plan.outputs.cryptoKeyId).toMatch(new RegExp(`^projects/defimon-${stack}/locations/global/keyRings/defimon(-[0-9a-f]{6})?/cryptoKeys/pubsub-key$`));
  });
});

describe("stack config overrides", () => {
  it("applies eventStream overrides on top of the preset", async () => {
    const plan = await planStack("dev", { eventStream: { batchSize: 75 } });
    const env = parseDotenv(plan.outputs.eventStreamEnv as string);
    expect(env.EVENT_STREAM_BATCH_SIZE).toBe("75");
    expect(env.GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES).toBe("100");
  });

  it("switches presets", async () => {
    const plan = await planStack("dev", { preset: "standard" });
    expect(parseDotenv(plan.outputs.eventStreamEnv as string).GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES).toBe("1000");
  });

  it("passes Pub/Sub settings to the subscription", async () => {
    const plan = await planStack("dev", { pubsub: { ackDeadlineSeconds: 120, maxDeliveryAttempts: 10, minimumBackoff: "10s", maximumBackoff: "5m" } });
    expect(named(plan, "defimon-events-subscription").inputs).toMatchObject({
      ackDeadlineSeconds: 120,
      retryPolicy: { minimumBackoff: "10s", maximumBackoff: "300s" },
      deadLetterPolicy: { maxDeliveryAttempts: 10 },
    });
  });

  it("declares no key when createKey is false, and exports none", async () => {
    const plan = await planStack("dev", { serviceAccount: { createKey: false } });
    expect(ofType(plan, "gcp:serviceaccount/key:Key")).toEqual([]);
    expect(plan.outputs).not.toHaveProperty("serviceAccountKey");
  });

  it("opens RPC and dashboards to the configured ranges, and sizes the host from node overrides", async () => {
    const plan = await planStack("dev", {
      access: { rpcSourceRanges: ["203.0.113.0/24"], adminSourceRanges: ["198.51.100.7/32"] },
      node: { network: "sepolia", dataDiskSizeGb: 1500, machineType: "n2-standard-8", gethCache: 4096 },
    });
    expect(named(plan, "defimon-node-net-rpc").inputs.sourceRanges).toEqual(["203.0.113.0/24"]);
    expect(named(plan, "defimon-node-net-admin").inputs.sourceRanges).toEqual(["198.51.100.7/32"]);
    expect(named(plan, "defimon-node-chaindata").inputs.size).toBe(1500);
    expect(plan.outputs.nodeNetwork).toBe("sepolia");
  });

  it("e-mails on-call from every alert when addresses are configured", async () => {
    const plan = await planStack("prod", { alerts: { emails: ["oncall@example.com"] } });
    expect(ofType(plan, "gcp:monitoring/notificationChannel:NotificationChannel")).toHaveLength(1);
    for (const alert of ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy")) expect(alert.inputs.notificationChannels).toHaveLength(1);
  });

  it("adds a budget, and the API it needs, when config names a billing account", async () => {
    const plan = await planStack("dev", { budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 300 } });
    expect(named(plan, "defimon-ops-budget").inputs).toMatchObject({ amount: { specifiedAmount: { currencyCode: "USD", units: "300" } }, budgetFilter: { projects: ["projects/123456789012"] } });
    expect(named(plan, "defimon-apis-billingbudgets").inputs.service).toBe("billingbudgets.googleapis.com");
    expect(ofType(await planStack("dev"), "gcp:billing/budget:Budget")).toEqual([]);
  });

  it("stops on bad config before declaring any resource", async () => {
    const failure = await planStack("prod", { pubsub: { ackDeadlineSeconds: 5 } }).catch((error) => error);
    expect(failure).toBeInstanceOf(ProgramError);
    expect(failure.message).toBe("invalid stack configuration:\ndefimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds");
    expect(pulumi.RunError.isInstance(failure.cause)).toBe(true); // RunError: Pulumi prints it without a stack trace
    expect(failure.registered).toEqual([]);
  });
});
