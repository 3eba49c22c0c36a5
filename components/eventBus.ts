import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ConsumerConfig, deadLetterReaderName, guideSubscriptionName } from "../lib/config";
import { toGcpDuration } from "../lib/durations";

export interface EventBusArgs {
  /** Topic the services publish to. Config default: `defimon-events`. */
  topicName: string;
  /**
   * The event schema's Protocol Buffers text (schema/defimon-event.proto). The topic
   * refuses any message that does not parse as it (JSON encoding): publishers get the error.
   */
  schemaDefinition: string;
  /**
   * One pull subscription per consumer group (Pub/Sub's consumer group), with its settings
   * resolved in config: ack deadline 10-600 s, retention 10 min to 7 days, backoff 0-600 s,
   * 5-100 delivery attempts, an optional filter (at most 256 bytes), exactly-once delivery,
   * message ordering. Default: the guide's four, stream processing on `defimon-events-sub`.
   */
  consumers: Record<string, ConsumerConfig>;
  /** Customer-managed key for both topics (`projects/.../cryptoKeys/...`). */
  kmsKeyName: pulumi.Input<string>;
  /**
   * What must exist before a topic can use the key: the service agent's
   * encrypter/decrypter grant. Topic creation fails with a permission error without it,
   * and nothing in the topic's inputs refers to the grant, hence an explicit dependency.
   */
  kmsKeyReady: pulumi.Input<pulumi.Resource>[];
  /** IAM member of the Pub/Sub service agent, which forwards dead letters. */
  pubsubServiceAgentMember: pulumi.Input<string>;
  /** Protect topics and subscriptions (and the messages they hold) from deletion. */
  protect: boolean;
  labels: Record<string, string>;
}

/** One consumer group's subscriptions and the grant that lets Pub/Sub dead-letter from it. */
export interface ConsumerSubscriptions {
  subscription: gcp.pubsub.Subscription;
  /** Its dead letters only: the shared dead-letter topic, filtered on the source subscription. */
  deadLetterSubscription: gcp.pubsub.Subscription;
  /** The service agent's subscriber grant on the subscription (to ack what it dead-letters). */
  deadLetterSubscriberGrant: gcp.pubsub.SubscriptionIAMMember;
}

/** Pub/Sub stamps every dead letter with its source subscription's ID (Pub/Sub, "Dead-letter topics", dead-letter attributes). */
const deadLetterSourceAttribute = "CloudPubSubDeadLetterSourceSubscription";

/** An empty TTL means "never expires"; without it GCP deletes a subscription idle for 31 days. */
const neverExpire = { ttl: "" };

/** How a subscription delivers and dead-letters: a consumer's settings, or defimon:pubsub's (durations in seconds). */
export type Delivery = Pick<ConsumerConfig, "ackDeadlineSeconds" | "messageRetentionDuration" | "minimumBackoff" | "maximumBackoff" | "maxDeliveryAttempts">;

/** A subscription's delivery inputs: ack deadline, retention, retry policy, dead-lettering, and no expiry. */
export function deliveryInputs(delivery: Delivery, deadLetterTopic: pulumi.Input<string>) {
  return {
    ackDeadlineSeconds: delivery.ackDeadlineSeconds,
    messageRetentionDuration: toGcpDuration(delivery.messageRetentionDuration),
    retryPolicy: { minimumBackoff: toGcpDuration(delivery.minimumBackoff), maximumBackoff: toGcpDuration(delivery.maximumBackoff) },
    deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: delivery.maxDeliveryAttempts },
    expirationPolicy: neverExpire,
  };
}

/**
 * The inputs of the subscription that reads one source subscription's dead letters: the
 * shared dead-letter topic, filtered on the attribute Pub/Sub stamps, kept as long as the
 * source keeps messages, acknowledged ones too (so they can be replayed with `seek`).
 */
export function deadLetterReaderInputs(source: string, delivery: Delivery, deadLetterTopic: pulumi.Input<string>) {
  return {
    name: deadLetterReaderName(source),
    topic: deadLetterTopic,
    filter: `attributes.${deadLetterSourceAttribute} = "${source}"`,
    ackDeadlineSeconds: delivery.ackDeadlineSeconds,
    messageRetentionDuration: toGcpDuration(delivery.messageRetentionDuration),
    retainAckedMessages: true,
    expirationPolicy: neverExpire,
  };
}

/**
 * The DEFIMON event stream: a CMEK-encrypted topic that enforces the event schema, one
 * pull subscription per consumer group with retry policy and dead-lettering, and one
 * dead-letter topic for all of them, read through a dead-letter subscription per consumer
 * (dead letters are kept as long as their consumer keeps messages, and acked ones are
 * retained for `seek`, so they can be replayed).
 */
export class EventBus extends pulumi.ComponentResource {
  readonly schema: gcp.pubsub.Schema;
  readonly topic: gcp.pubsub.Topic;
  readonly deadLetterTopic: gcp.pubsub.Topic;
  readonly consumers: Record<string, ConsumerSubscriptions>;
  /** The service agent's publisher grant on the dead-letter topic (dead-lettering needs it). */
  readonly deadLetterPublisherGrant: gcp.pubsub.TopicIAMMember;

  constructor(name: string, args: EventBusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:pubsub:EventBus", name, {}, opts);

    const topicOptions: pulumi.CustomResourceOptions = { parent: this, protect: args.protect, dependsOn: args.kmsKeyReady };
    const stateful: pulumi.CustomResourceOptions = { parent: this, protect: args.protect };

    this.schema = new gcp.pubsub.Schema(
      `${name}-schema`,
      { name: `${args.topicName}-event`, type: "PROTOCOL_BUFFER", definition: args.schemaDefinition },
      { parent: this, protect: args.protect },
    );

    this.topic = new gcp.pubsub.Topic(
      `${name}-topic`,
      {
        name: args.topicName,
        kmsKeyName: args.kmsKeyName,
        schemaSettings: { schema: this.schema.id, encoding: "JSON" },
        labels: args.labels,
      },
      topicOptions,
    );

    this.deadLetterTopic = new gcp.pubsub.Topic(
      `${name}-dead-letter-topic`,
      { name: `${args.topicName}-dead-letter`, kmsKeyName: args.kmsKeyName, labels: args.labels },
      topicOptions,
    );

    const guideSubscription = guideSubscriptionName(args.topicName);
    this.consumers = Object.fromEntries(
      Object.entries(args.consumers).map(([consumer, settings]) => {
        const child = `${name}-${consumer}`;
        // The guide's single subscription had these names before consumers existed: the
        // aliases keep it (and the messages it holds) in place instead of replacing it.
        const was = (part: string) => (settings.subscription === guideSubscription ? { aliases: [{ name: `${name}-${part}` }] } : {});
        const subscription = new gcp.pubsub.Subscription(
          `${child}-subscription`,
          {
            name: settings.subscription,
            topic: this.topic.id,
            ...deliveryInputs(settings, this.deadLetterTopic.id),
            filter: settings.filter,
            enableExactlyOnceDelivery: settings.exactlyOnceDelivery,
            enableMessageOrdering: settings.messageOrdering,
            labels: { ...args.labels, consumer },
          },
          { ...stateful, ...was("subscription") },
        );
        const deadLetterSubscription = new gcp.pubsub.Subscription(
          `${child}-dead-letter-subscription`,
          { ...deadLetterReaderInputs(settings.subscription, settings, this.deadLetterTopic.id), labels: { ...args.labels, consumer } },
          { ...stateful, ...was("dead-letter-subscription") },
        );
        const deadLetterSubscriberGrant = new gcp.pubsub.SubscriptionIAMMember(
          `${child}-dead-letter-subscriber`,
          { subscription: subscription.name, role: "roles/pubsub.subscriber", member: args.pubsubServiceAgentMember },
          { parent: this, ...was("dead-letter-subscriber") },
        );
        return [consumer, { subscription, deadLetterSubscription, deadLetterSubscriberGrant }];
      }),
    );

    this.deadLetterPublisherGrant = new gcp.pubsub.TopicIAMMember(
      `${name}-dead-letter-publisher`,
      { topic: this.deadLetterTopic.name, role: "roles/pubsub.publisher", member: args.pubsubServiceAgentMember },
      { parent: this },
    );

    this.registerOutputs({
      topicId: this.topic.id,
      deadLetterTopicId: this.deadLetterTopic.id,
      subscriptionIds: Object.fromEntries(Object.entries(this.consumers).map(([consumer, c]) => [consumer, c.subscription.id])),
    });
  }
}
