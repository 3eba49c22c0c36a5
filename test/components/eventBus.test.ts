import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { EventBus, EventBusArgs } from "../../components/eventBus";
import { named, nameOf, ofType, runComponents } from "../helpers/run";

const agent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com";

function declare(overrides: Partial<EventBusArgs> = {}) {
  return runComponents(() => {
    const grant = new gcp.kms.CryptoKeyIAMMember("kms-grant", {
      cryptoKeyId: "projects/p/locations/global/keyRings/r/cryptoKeys/k",
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: agent,
    });
    new EventBus("bus", {
      topicName: "defimon-events",
      subscriptionName: "defimon-events-sub",
      ackDeadlineSeconds: 600,
      messageRetentionSeconds: 604800,
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 600,
      maxDeliveryAttempts: 5,
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
  it("is one component whose children are parented to it", async () => {
    const plan = await declare();
    const [component] = ofType(plan, "defimon:pubsub:EventBus");
    const children = plan.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => r.name).sort()).toEqual([
      "bus-dead-letter-publisher",
      "bus-dead-letter-subscriber",
      "bus-dead-letter-subscription",
      "bus-dead-letter-topic",
      "bus-subscription",
      "bus-topic",
    ]);
  });

  it("declares the pull subscription with the guide's values, retry policy and dead-lettering", async () => {
    const plan = await declare();
    expect(named(plan, "bus-subscription").inputs).toEqual({
      name: "defimon-events-sub",
      topic: "projects/defimon-offline-plan/topics/defimon-events",
      ackDeadlineSeconds: 600,
      messageRetentionDuration: "604800s",
      retryPolicy: { minimumBackoff: "1s", maximumBackoff: "600s" },
      deadLetterPolicy: { deadLetterTopic: "projects/defimon-offline-plan/topics/defimon-events-dead-letter", maxDeliveryAttempts: 5 },
      expirationPolicy: { ttl: "" },
      labels: { team: "defimon" },
    });
    // A pull subscription: no push endpoint.
    expect(named(plan, "bus-subscription").inputs).not.toHaveProperty("pushConfig");
  });

  it("keeps dead letters: their own subscription, 7 days, acked ones retained for replay, never expiring", async () => {
    const plan = await declare();
    expect(named(plan, "bus-dead-letter-subscription").inputs).toMatchObject({
      name: "defimon-events-sub-dead-letter",
      topic: "projects/defimon-offline-plan/topics/defimon-events-dead-letter",
      messageRetentionDuration: "604800s",
      retainAckedMessages: true,
      expirationPolicy: { ttl: "" },
    });
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
    expect(named(plan, "bus-dead-letter-publisher").inputs).toEqual({
      topic: "defimon-events-dead-letter",
      role: "roles/pubsub.publisher",
      member: agent,
    });
    expect(named(plan, "bus-dead-letter-subscriber").inputs).toEqual({
      subscription: "defimon-events-sub",
      role: "roles/pubsub.subscriber",
      member: agent,
    });
  });

  it("passes other settings through", async () => {
    const plan = await declare({ ackDeadlineSeconds: 30, messageRetentionSeconds: 3600, minimumBackoffSeconds: 10, maximumBackoffSeconds: 300, maxDeliveryAttempts: 20 });
    expect(named(plan, "bus-subscription").inputs).toMatchObject({
      ackDeadlineSeconds: 30,
      messageRetentionDuration: "3600s",
      retryPolicy: { minimumBackoff: "10s", maximumBackoff: "300s" },
      deadLetterPolicy: { maxDeliveryAttempts: 20 },
    });
  });

  it("protects topics and subscriptions only when asked", async () => {
    const unprotected = await declare();
    expect(unprotected.resources.filter((r) => r.protect)).toEqual([]);
    const protectedPlan = await declare({ protect: true });
    expect(protectedPlan.resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual([
      "bus-dead-letter-subscription",
      "bus-dead-letter-topic",
      "bus-subscription",
      "bus-topic",
    ]);
  });

  it("exposes its children", async () => {
    let bus: EventBus | undefined;
    await runComponents(() => {
      bus = new EventBus("bus", {
        topicName: "t-events",
        subscriptionName: "t-events-sub",
        ackDeadlineSeconds: 600,
        messageRetentionSeconds: 604800,
        minimumBackoffSeconds: 1,
        maximumBackoffSeconds: 600,
        maxDeliveryAttempts: 5,
        kmsKeyName: "k",
        kmsKeyReady: [],
        pubsubServiceAgentMember: agent,
        protect: false,
        labels: {},
      });
    });
    expect(bus!.topic).toBeInstanceOf(gcp.pubsub.Topic);
    expect(bus!.deadLetterSubscription).toBeInstanceOf(gcp.pubsub.Subscription);
    expect(pulumi.Resource.isInstance(bus!.deadLetterPublisherGrant)).toBe(true);
  });
});
