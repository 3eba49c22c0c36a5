import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { EventBus, EventBusArgs } from "../../components/eventBus";
import { parseStackConfig } from "../../lib/config";
import { eventSchemaText } from "../../lib/eventSchema";
import { named, nameOf, ofType, runComponents } from "../helpers/run";

const agent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com";
/** The consumers as config resolves them: the guide's four with the guide's settings. */
const guideConsumers = parseStackConfig({ preset: "small" }).consumers;

function declare(overrides: Partial<EventBusArgs> = {}) {
  return runComponents(() => {
    const grant = new gcp.kms.CryptoKeyIAMMember("kms-grant", {
      cryptoKeyId: "projects/p/locations/global/keyRings/r/cryptoKeys/k",
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: agent,
    });
    new EventBus("bus", {
      topicName: "defimon-events",
      schemaDefinition: eventSchemaText(),
      consumers: guideConsumers,
      kmsKeyName: "projects/p/locations/global/keyRings/r/cryptoKeys/k",
      kmsKeyReady: [grant],
      pubsubServiceAgentMember: agent,
      protect: false,
      labels: { team: "defimon" },
      ...overrides,
    });
  });
}

describe("EventBus", () => {
  it("is one component whose children are parented to it: per consumer a subscription, its dead letters and the agent's grant", async () => {
    const plan = await declare();
    const [component] = ofType(plan, "defimon:pubsub:EventBus");
    const children = plan.resources.filter((r) => r.parent === component.urn);
    const perConsumer = (c: string) => [`bus-${c}-dead-letter-subscriber`, `bus-${c}-dead-letter-subscription`, `bus-${c}-subscription`];
    expect(children.map((r) => r.name).sort()).toEqual(
      ["bus-dead-letter-publisher", "bus-dead-letter-topic", "bus-schema", "bus-topic", ...["batch-processing", "event-indexer", "ml-pipeline", "stream-processing"].flatMap(perConsumer)].sort(),
    );
  });

  it("gives each consumer group its own pull subscription, the guide's keeping defimon-events-sub", async () => {
    const plan = await declare();
    const names = Object.fromEntries(ofType(plan, "gcp:pubsub/subscription:Subscription").filter((s) => !s.name.includes("dead-letter")).map((s) => [s.name, s.inputs.name]));
    expect(names).toEqual({
      "bus-stream-processing-subscription": "defimon-events-sub",
      "bus-batch-processing-subscription": "defimon-events-batch-processing",
      "bus-ml-pipeline-subscription": "defimon-events-ml-pipeline",
      "bus-event-indexer-subscription": "defimon-events-event-indexer",
    });
    expect(named(plan, "bus-stream-processing-subscription").inputs).toEqual({
      name: "defimon-events-sub",
      topic: "projects/defimon-offline-plan/topics/defimon-events",
      ackDeadlineSeconds: 600,
      messageRetentionDuration: "604800s",
      retryPolicy: { minimumBackoff: "1s", maximumBackoff: "600s" },
      deadLetterPolicy: { deadLetterTopic: "projects/defimon-offline-plan/topics/defimon-events-dead-letter", maxDeliveryAttempts: 5 },
      enableExactlyOnceDelivery: false,
      enableMessageOrdering: false,
      expirationPolicy: { ttl: "" },
      labels: { team: "defimon", consumer: "stream-processing" },
    });
    // A pull subscription: no push endpoint.
    expect(named(plan, "bus-stream-processing-subscription").inputs).not.toHaveProperty("pushConfig");
  });

  it("keeps the guide's subscription where it was: aliases to its names before consumers existed", async () => {
    const plan = await declare();
    expect(named(plan, "bus-stream-processing-subscription").aliases).toEqual([expect.stringMatching(/::bus-subscription$/)]);
    expect(named(plan, "bus-ml-pipeline-subscription").aliases ?? []).toEqual([]);
  });

  it("reads each consumer's dead letters from the shared topic, filtered on the source subscription", async () => {
    const plan = await declare();
    expect(named(plan, "bus-ml-pipeline-dead-letter-subscription").inputs).toMatchObject({
      name: "defimon-events-ml-pipeline-dead-letter",
      topic: "projects/defimon-offline-plan/topics/defimon-events-dead-letter",
      filter: 'attributes.CloudPubSubDeadLetterSourceSubscription = "defimon-events-ml-pipeline"',
      messageRetentionDuration: "604800s",
      retainAckedMessages: true,
      expirationPolicy: { ttl: "" },
    });
  });

  it("takes a consumer's own settings: filter, exactly-once delivery, ordering, retries", async () => {
    const consumers = parseStackConfig({
      preset: "small",
      consumers: { "ml-pipeline": { filter: 'attributes.network = "mainnet"', exactlyOnceDelivery: true, messageOrdering: true, ackDeadlineSeconds: 30, maxDeliveryAttempts: 20, minimumBackoff: "10s", maximumBackoff: "5m" } },
    }).consumers;
    const plan = await declare({ consumers });
    expect(named(plan, "bus-ml-pipeline-subscription").inputs).toMatchObject({
      name: "defimon-events-ml-pipeline",
      filter: 'attributes.network = "mainnet"',
      enableExactlyOnceDelivery: true,
      enableMessageOrdering: true,
      ackDeadlineSeconds: 30,
      retryPolicy: { minimumBackoff: "10s", maximumBackoff: "300s" },
      deadLetterPolicy: { maxDeliveryAttempts: 20 },
    });
    expect(ofType(plan, "gcp:pubsub/subscription:Subscription")).toHaveLength(2);
  });

  it("enforces the event schema on the topic, JSON-encoded; dead letters keep what they were", async () => {
    const plan = await declare();
    expect(named(plan, "bus-schema").inputs).toEqual({ name: "defimon-events-event", type: "PROTOCOL_BUFFER", definition: eventSchemaText() });
    expect(named(plan, "bus-topic").inputs.schemaSettings).toEqual({ schema: "projects/defimon-offline-plan/schemas/defimon-events-event", encoding: "JSON" });
    expect(named(plan, "bus-dead-letter-topic").inputs).not.toHaveProperty("schemaSettings");
  });

  it("lets no subscription expire", async () => {
    const plan = await declare();
    for (const subscription of ofType(plan, "gcp:pubsub/subscription:Subscription")) {
      expect(subscription.inputs.expirationPolicy).toEqual({ ttl: "" });
    }
  });

  it("encrypts both topics with the key, created only after the key grant", async () => {
    const plan = await declare();
    const topics = ofType(plan, "gcp:pubsub/topic:Topic");
    expect(topics.map((t) => t.inputs.name).sort()).toEqual(["defimon-events", "defimon-events-dead-letter"]);
    for (const topic of topics) {
      expect(topic.inputs.kmsKeyName).toBe("projects/p/locations/global/keyRings/r/cryptoKeys/k");
      expect(topic.dependsOn.map(nameOf)).toEqual(["kms-grant"]);
    }
  });

  it("grants the Pub/Sub service agent what dead-lettering needs, on the resources", async () => {
    const plan = await declare();
    expect(named(plan, "bus-dead-letter-publisher").inputs).toEqual({ topic: "defimon-events-dead-letter", role: "roles/pubsub.publisher", member: agent });
    expect(ofType(plan, "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember").map((g) => [g.inputs.subscription, g.inputs.role, g.inputs.member]).sort()).toEqual(
      ["defimon-events-batch-processing", "defimon-events-event-indexer", "defimon-events-ml-pipeline", "defimon-events-sub"].map((s) => [s, "roles/pubsub.subscriber", agent]),
    );
  });

  it("protects the schema, topics and subscriptions only when asked", async () => {
    const unprotected = await declare();
    expect(unprotected.resources.filter((r) => r.protect)).toEqual([]);
    const protectedPlan = await declare({ protect: true });
    const kinds = protectedPlan.resources.filter((r) => r.protect).map((r) => r.type.split(":").pop());
    expect(kinds.sort()).toEqual(["Schema", ...Array(8).fill("Subscription"), "Topic", "Topic"]);
  });

  it("exposes its children", async () => {
    let bus: EventBus | undefined;
    await runComponents(() => {
      bus = new EventBus("bus", { topicName: "t-events", schemaDefinition: eventSchemaText(), consumers: guideConsumers, kmsKeyName: "k", kmsKeyReady: [], pubsubServiceAgentMember: agent, protect: false, labels: {} });
    });
    expect(bus!.topic).toBeInstanceOf(gcp.pubsub.Topic);
    expect(bus!.schema).toBeInstanceOf(gcp.pubsub.Schema);
    expect(bus!.consumers["ml-pipeline"].deadLetterSubscription).toBeInstanceOf(gcp.pubsub.Subscription);
    expect(pulumi.Resource.isInstance(bus!.deadLetterPublisherGrant)).toBe(true);
  });
});
