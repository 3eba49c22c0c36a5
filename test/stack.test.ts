/**
 * Both stack files, end to end: the real index.ts under the offline plan's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { mockSecretValues } from "../tools/plan/mocks";
import { ProgramError } from "../tools/plan/run";
import { parseDotenv } from "../lib/render/dotenv";
import { named, nameOf, ofType, Plan, planStack } from "./helpers/run";

const projectLevelIam = /^gcp:(projects|organizations|folder)\/iAM(Member|Binding|Policy)/i;

describe.each([
  ["dev", { preset: "small", protect: false, maxMessages: "100", batchSize: "50", publishers: "5", network: "hoodi", machineType: "e2-standard-4", diskGb: 400, nodes: 1 }],
  // high-load runs two nodes: a managed instance group behind an internal load balancer.
  ["prod", { preset: "high-load", protect: true, maxMessages: "5000", batchSize: "500", publishers: "20", network: "mainnet", machineType: "n2-highmem-8", diskGb: 2500, nodes: 2 }],
])("stack %s", (stack, expected) => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack(stack);
  });

  it("declares the event bus, its key, an identity per service, the analytics sink and the Geth host", () => {
    const count = (type: string) => ofType(plan, type).length;
    expect(count("gcp:pubsub/topic:Topic")).toBe(2);
    expect(count("gcp:pubsub/schema:Schema")).toBe(1);
    // Per consumer (the guide's four) and for the BigQuery sink: a subscription and its dead letters.
    expect(count("gcp:pubsub/subscription:Subscription")).toBe(10);
    expect(count("gcp:bigquery/dataset:Dataset")).toBe(1);
    // The events table, and its view with one row per item_id.
    expect(ofType(plan, "gcp:bigquery/table:Table").map((t) => [t.inputs.tableId, t.inputs.view === undefined]).sort()).toEqual([["events", true], ["events_unique", false]]);
    // The view keeps the first row of each item_id (the subscription writes at least once).
    const view = ofType(plan, "gcp:bigquery/table:Table").find((t) => t.inputs.view)!.inputs.view as { query: string; useLegacySql: boolean };
    expect(view.useLegacySql).toBe(false);
    expect(view.query).toContain(`FROM \`${plan.outputs.projectId ?? "defimon-" + stack}.defimon_events.events\``);
    expect(view.query).toMatch(/QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY item_id ORDER BY publish_time, message_id\) = 1$/);
    expect(count("gcp:kms/keyRing:KeyRing")).toBe(1);
    expect(count("gcp:kms/cryptoKey:CryptoKey")).toBe(1);
    expect(count("gcp:serviceaccount/account:Account")).toBe(9); // the guide's four publishers and four consumers, and the host
    // No JSON key by default: orgs created since 2024 forbid them, and nothing on GCP needs one.
    expect(count("gcp:serviceaccount/key:Key")).toBe(0);
    expect(count("gcp:projects/service:Service")).toBe(10);
    const group = expected.nodes > 1;
    expect(count("gcp:compute/instance:Instance")).toBe(group ? 0 : 1);
    expect(count("gcp:compute/disk:Disk")).toBe(group ? 0 : 1);
    expect(count("gcp:compute/instanceTemplate:InstanceTemplate")).toBe(group ? 1 : 0);
    expect(count("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")).toBe(group ? 1 : 0);
    expect(count("gcp:compute/healthCheck:HealthCheck")).toBe(group ? 2 : 0);
    expect(count("gcp:compute/regionBackendService:RegionBackendService")).toBe(group ? 1 : 0);
    expect(count("gcp:compute/forwardingRule:ForwardingRule")).toBe(group ? 1 : 0);
    expect(count("gcp:compute/network:Network")).toBe(1);
    expect(count("gcp:compute/subnetwork:Subnetwork")).toBe(1);
    // One host's static P2P address, or the balancer's internal one.
    expect(count("gcp:compute/address:Address")).toBe(1);
    // A group adds Google's health checkers and the subnet's clients of the balancer.
    expect(count("gcp:compute/firewall:Firewall")).toBe(group ? 6 : 4);
    expect(count("gcp:secretmanager/secret:Secret")).toBe(2);
    expect(count("gcp:secretmanager/secretVersion:SecretVersion")).toBe(2);
    expect(count("gcp:monitoring/alertPolicy:AlertPolicy")).toBe(group ? 11 : 10);
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
    // Each service's account holds exactly one role, on its topic or its own subscription.
    const byAccount = (id: string) =>
      plan.resources.filter((r) => /IAMMember$/.test(r.type) && r.inputs.member === `serviceAccount:dfm-${id}-${stack}@defimon-${stack}.iam.gserviceaccount.com`).map((g) => [g.inputs.role, g.inputs.topic ?? g.inputs.subscription]);
    for (const publisher of ["analytics-api", "ai-ml", "blockchain-node", "data-ingestion"]) expect(byAccount(publisher)).toEqual([["roles/pubsub.publisher", "defimon-events"]]);
    expect(byAccount("stream-processing")).toEqual([["roles/pubsub.subscriber", "defimon-events-sub"]]);
    expect(byAccount("ml-pipeline")).toEqual([["roles/pubsub.subscriber", "defimon-events-ml-pipeline"]]);
    // No service on the host in these stack files: the host's account has no Pub/Sub role.
    const hostMember = `serviceAccount:defimon-node-${stack}@defimon-${stack}.iam.gserviceaccount.com`;
    expect(plan.resources.filter((r) => r.type.startsWith("gcp:pubsub/") && r.inputs.member === hostMember)).toEqual([]);
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

  it("labels what takes labels with the config's labels and the stack's (subscriptions with their consumer too)", () => {
    const labels = { team: "defimon", environment: stack, "managed-by": "pulumi", "pulumi-stack": stack };
    for (const resource of [...ofType(plan, "gcp:pubsub/topic:Topic"), named(plan, "defimon-kms-key"), ...ofType(plan, "gcp:bigquery/table:Table")]) {
      expect(resource.inputs.labels).toEqual(labels);
    }
    for (const subscription of ofType(plan, "gcp:pubsub/subscription:Subscription")) expect(subscription.inputs.labels).toEqual({ ...labels, consumer: expect.any(String) });
  });

  it("plans only images that can be pulled: published public tags, pinned to stand-in digests", () => {
    // Every node runs the health endpoint (python).
    expect(plan.standInImages).toEqual(["ethereum/client-go:v1.17.10", "grafana/grafana:13.3.2", "prom/prometheus:v3.13.3", "python:3.13.16-alpine3.24", "sigp/lighthouse:v8.3.3"]);
  });

  it("enables Resource Manager (getProject and project IAM call it)", () => {
    expect(ofType(plan, "gcp:projects/service:Service").map((s) => s.inputs.service)).toContain("cloudresourcemanager.googleapis.com");
  });

  it("keeps a service-account key, when config asks for one, secret in the outputs and everywhere in the plan", async () => {
    const keyed = await planStack(stack, { serviceAccount: { createKey: true } });
    expect(keyed.outputs.serviceAccountKeys).toBe("[secret]");
    expect(ofType(keyed, "gcp:serviceaccount/key:Key")).toHaveLength(8);
    expect(plan.outputs.serviceAccountKeys).toBeUndefined();
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

  it(`runs ${expected.nodes === 1 ? "the Geth host" : `${expected.nodes} Geth nodes`} on ${expected.network}`, () => {
    if (expected.nodes === 1) {
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
      expect(Object.keys(plan.outputs.nodeImages as object).sort()).toEqual(["geth", "grafana", "health", "lighthouse", "prometheus"]);
    } else {
      expect(plan.outputs).toMatchObject({
        nodeNetwork: expected.network,
        nodeRegion: "europe-west1",
        nodeGroupName: "defimon-node-group-0a1b2c3",
        nodeInternalRpcUrl: "http://10.20.0.100:8545",
        nodeInternalWsUrl: "ws://10.20.0.100:8546",
        nodeInstancesCommand: `gcloud compute instance-groups managed list-instances defimon-node-group-0a1b2c3 --region europe-west1 --project defimon-${stack}`,
        rpcTunnelCommand: `gcloud compute start-iap-tunnel NODE 8545 --local-host-port=localhost:8545 --zone ZONE --project defimon-${stack}`,
      });
      expect(plan.outputs.nodeVmName).toBeUndefined();
      const template = named(plan, "defimon-node-template").inputs;
      expect(template.machineType).toBe(expected.machineType);
      expect((template.disks as any[]).find((disk) => disk.deviceName === "chaindata")).toMatchObject({ diskSizeGb: expected.diskGb });
      expect(named(plan, "defimon-node-group").inputs.targetSize).toBe(expected.nodes);
      expect(Object.keys(plan.outputs.nodeImages as object).sort()).toEqual(["geth", "grafana", "health", "lighthouse", "prometheus"]);
    }
  });

  it("exports the topics, each consumer's subscriptions, the guide's names, the accounts and the analytics table", () => {
    expect(plan.outputs).toMatchObject({
      topicName: "defimon-events",
      subscriptionName: "defimon-events-sub",
      deadLetterTopicName: "defimon-events-dead-letter",
      deadLetterSubscriptionName: "defimon-events-sub-dead-letter",
      topicId: `projects/defimon-${stack}/topics/defimon-events`,
      deadLetterTopicId: `projects/defimon-${stack}/topics/defimon-events-dead-letter`,
      schemaId: `projects/defimon-${stack}/schemas/defimon-events-event`,
      analyticsTable: `defimon-${stack}.defimon_events.events`,
      bigQuerySubscriptionName: "defimon-events-bigquery",
    });
    expect((plan.outputs.subscriptions as any)["event-indexer"]).toEqual({ subscription: "defimon-events-event-indexer", deadLetter: "defimon-events-event-indexer-dead-letter" });
    expect(Object.keys(plan.outputs.serviceAccountEmails as object)).toHaveLength(8);
    // Each service's .env names its own subscription; a publisher's names none.
    const envs = plan.outputs.serviceEnvs as Record<string, string>;
    expect(parseDotenv(envs["ml-pipeline"]).GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION).toBe("defimon-events-ml-pipeline");
    expect(parseDotenv(envs["ai-ml"]).GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION).toBeUndefined();
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

  it("passes Pub/Sub settings to every consumer's subscription and the BigQuery sink's", async () => {
    const plan = await planStack("dev", { pubsub: { ackDeadlineSeconds: 120, maxDeliveryAttempts: 10, minimumBackoff: "10s", maximumBackoff: "5m" } });
    for (const name of ["defimon-events-stream-processing-subscription", "defimon-events-ml-pipeline-subscription", "defimon-analytics-bigquery-subscription"]) {
      expect(named(plan, name).inputs).toMatchObject({ ackDeadlineSeconds: 120, retryPolicy: { minimumBackoff: "10s", maximumBackoff: "300s" }, deadLetterPolicy: { maxDeliveryAttempts: 10 } });
    }
  });

  it("gives a consumer on the host the host's account, and the host's account exactly its services' roles", async () => {
    const plan = await planStack("dev", {
      services: { "event-indexer": { image: "ethereum/client-go:v1.17.5" }, "analytics-api": { image: "ethereum/client-go:v1.17.5", port: 8000 } },
    });
    const host = "serviceAccount:defimon-node-dev@defimon-dev.iam.gserviceaccount.com";
    const hostPubsub = plan.resources.filter((r) => r.type.startsWith("gcp:pubsub/") && r.inputs.member === host).map((g) => [g.inputs.role, g.inputs.topic ?? g.inputs.subscription]);
    expect(hostPubsub.sort()).toEqual([["roles/pubsub.publisher", "defimon-events"], ["roles/pubsub.subscriber", "defimon-events-event-indexer"]]);
    expect(Object.keys(plan.outputs.serviceAccountEmails as object)).not.toContain("event-indexer");
    expect(Object.keys(plan.outputs.serviceAccountEmails as object)).toHaveLength(6);
  });

  it("archives events to Cloud Storage when asked; encrypts the sinks with the stack's key only where it is in their location", async () => {
    const global = await planStack("dev", { analytics: { archive: true } });
    expect(named(global, "defimon-analytics-dataset").inputs).not.toHaveProperty("defaultEncryptionConfiguration");
    expect(named(global, "defimon-analytics-archive").inputs).toMatchObject({ location: "europe-west1", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 365 } }] });
    expect(named(global, "defimon-analytics-archive-subscription").inputs.cloudStorageConfig).toMatchObject({ avroConfig: { writeMetadata: true } });
    expect(ofType(global, "gcp:storage/bucketIAMMember:BucketIAMMember").map((g) => g.inputs.role).sort()).toEqual(["roles/storage.legacyBucketReader", "roles/storage.objectCreator"]);
    const regional = await planStack("dev", { kms: { location: "europe-west1" }, analytics: { archive: true } });
    const key = regional.outputs.cryptoKeyId;
    expect(named(regional, "defimon-analytics-dataset").inputs.defaultEncryptionConfiguration).toEqual({ kmsKeyName: key });
    expect(named(regional, "defimon-analytics-archive").inputs.encryption).toEqual({ defaultKmsKeyName: key });
    expect(ofType(regional, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((g) => g.inputs.member).sort()).toEqual([
      "serviceAccount:bq-123456789012@bigquery-encryption.iam.gserviceaccount.com",
      "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com",
      "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
    ]);
  });

  it("declares no key when createKey is false, and exports none", async () => {
    const plan = await planStack("dev", { serviceAccount: { createKey: false } });
    expect(ofType(plan, "gcp:serviceaccount/key:Key")).toEqual([]);
    expect(plan.outputs).not.toHaveProperty("serviceAccountKeys");
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
