/**
 * DEFIMON on Google Cloud: the Pub/Sub event bus that replaces Kafka, its KMS key,
 * and the service account the services use. Reads config, wires the components,
 * exports outputs; everything else lives in components/ and lib/.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Encryption } from "./components/encryption";
import { EventBus } from "./components/eventBus";
import { ProjectServices } from "./components/projectServices";
import { ServiceAccount } from "./components/serviceAccount";
import { loadStackConfig } from "./lib/config";
import { resourceLabels } from "./lib/labels";
import { renderEventStreamEnv } from "./lib/render/eventStreamEnv";

const config = loadStackConfig();
const stack = pulumi.getStack();
const labels = resourceLabels(config.labels, stack);
const project = gcp.organizations.getProjectOutput();

const apis = new ProjectServices("defimon-apis", {
  apis: ["pubsub.googleapis.com", "cloudkms.googleapis.com", "iam.googleapis.com"],
});
const afterApis = { dependsOn: [apis] };

const encryption = new Encryption(
  "defimon-kms",
  {
    location: config.kms.location,
    keyRingName: config.kms.keyRing,
    cryptoKeyName: config.kms.cryptoKey,
    rotationPeriodSeconds: config.kms.rotationPeriod,
    protect: config.protect,
    keyUsers: { "pubsub-agent": apis.pubsubServiceAgent.member },
    labels,
  },
  afterApis,
);

const eventBus = new EventBus(
  "defimon-events",
  {
    topicName: config.pubsub.topic,
    subscriptionName: config.pubsub.subscription,
    ackDeadlineSeconds: config.pubsub.ackDeadlineSeconds,
    messageRetentionSeconds: config.pubsub.messageRetentionDuration,
    minimumBackoffSeconds: config.pubsub.minimumBackoff,
    maximumBackoffSeconds: config.pubsub.maximumBackoff,
    maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
    kmsKeyName: encryption.cryptoKey.id,
    kmsKeyReady: Object.values(encryption.keyUserGrants),
    pubsubServiceAgentMember: apis.pubsubServiceAgent.member,
    protect: config.protect,
    labels,
  },
  afterApis,
);

const services = new ServiceAccount(
  "defimon-service",
  {
    accountId: config.serviceAccount.accountId,
    displayName: "DEFIMON services",
    publishTo: { events: eventBus.topic.name },
    subscribeTo: { events: eventBus.subscription.name, "dead-letter": eventBus.deadLetterSubscription.name },
    createKey: config.serviceAccount.createKey,
    keyRotation: config.serviceAccount.keyRotation,
  },
  afterApis,
);

const topicName = eventBus.topic.name;
const subscriptionName = eventBus.subscription.name;
const deadLetterTopicName = eventBus.deadLetterTopic.name;
const deadLetterSubscriptionName = eventBus.deadLetterSubscription.name;
const cryptoKeyId = encryption.cryptoKey.id;

/** The `.env` the services read (no credentials in it). */
const eventStreamEnv = pulumi
  .all([project.projectId, topicName, subscriptionName, deadLetterTopicName, deadLetterSubscriptionName, cryptoKeyId])
  .apply(([projectId, topic, subscription, deadLetterTopic, deadLetterSubscription, kmsKeyName]) =>
    renderEventStreamEnv(
      {
        // Empty only when the provider has no default project; the client libraries then use ADC's.
        projectId: projectId ?? "",
        topic,
        subscription,
        deadLetterTopic,
        deadLetterSubscription,
        ackDeadlineSeconds: config.pubsub.ackDeadlineSeconds,
        maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
        minimumBackoffSeconds: config.pubsub.minimumBackoff,
        maximumBackoffSeconds: config.pubsub.maximumBackoff,
        kmsKeyName,
        eventStream: config.eventStream,
      },
      stack,
    ),
  );

// The stack outputs. The key is only there when config creates one.
export = {
  topicName,
  topicId: eventBus.topic.id,
  subscriptionName,
  subscriptionId: eventBus.subscription.id,
  deadLetterTopicName,
  deadLetterTopicId: eventBus.deadLetterTopic.id,
  deadLetterSubscriptionName,
  deadLetterSubscriptionId: eventBus.deadLetterSubscription.id,
  cryptoKeyId,
  serviceAccountEmail: services.account.email,
  eventStreamEnv,
  // Base64 of the JSON key file, a secret:
  //   pulumi stack output serviceAccountKey --show-secrets | base64 -d > key.json
  ...(services.keyJson ? { serviceAccountKey: services.keyJson } : {}),
};
