import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { toGcpDuration } from "../lib/durations";

export interface EventBusArgs {
  /** Topic the services publish to. Config default: `defimon-events`. */
  topicName: string;
  /** Pull subscription the consumers read. Config default: `defimon-events-sub`. */
  subscriptionName: string;
  /** 10-600 s; the guide's 600 gives slow consumers (ML scoring) the longest window before redelivery. */
  ackDeadlineSeconds: number;
  /** How long unacked messages are kept: 600 s to 7 days (the guide: 7 days). */
  messageRetentionSeconds: number;
  /** Retry policy backoff bounds, 0-600 s each, minimum <= maximum (the guide: 1 s and 600 s). */
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
  /** Deliveries before a message goes to the dead-letter topic: 5-100 (the guide: 5). */
  maxDeliveryAttempts: number;
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

/**
 * The DEFIMON event stream: a CMEK-encrypted topic, its pull subscription with retry
 * policy and dead-lettering, and a dead-letter topic with a subscription of its own
 * so that dead letters are kept (as long as the main subscription keeps messages),
 * can be read, and can be replayed (acked dead letters are retained for `seek`).
 */
export class EventBus extends pulumi.ComponentResource {
  readonly topic: gcp.pubsub.Topic;
  readonly subscription: gcp.pubsub.Subscription;
  readonly deadLetterTopic: gcp.pubsub.Topic;
  readonly deadLetterSubscription: gcp.pubsub.Subscription;
  /** The service agent's publisher grant on the dead-letter topic (dead-lettering needs it). */
  readonly deadLetterPublisherGrant: gcp.pubsub.TopicIAMMember;
  /** The service agent's subscriber grant on the main subscription (to ack what it dead-letters). */
  readonly deadLetterSubscriberGrant: gcp.pubsub.SubscriptionIAMMember;

  constructor(name: string, args: EventBusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:pubsub:EventBus", name, {}, opts);

    const topicOptions: pulumi.CustomResourceOptions = { parent: this, protect: args.protect, dependsOn: args.kmsKeyReady };
    const stateful: pulumi.CustomResourceOptions = { parent: this, protect: args.protect };
    const retention = toGcpDuration(args.messageRetentionSeconds);
    // An empty TTL means "never expires"; without it GCP deletes a subscription idle for 31 days.
    const neverExpire = { ttl: "" };

    this.topic = new gcp.pubsub.Topic(
      `${name}-topic`,
      { name: args.topicName, kmsKeyName: args.kmsKeyName, labels: args.labels },
      topicOptions,
    );

    this.deadLetterTopic = new gcp.pubsub.Topic(
      `${name}-dead-letter-topic`,
      { name: `${args.topicName}-dead-letter`, kmsKeyName: args.kmsKeyName, labels: args.labels },
      topicOptions,
    );

    this.subscription = new gcp.pubsub.Subscription(
      `${name}-subscription`,
      {
        name: args.subscriptionName,
        topic: this.topic.id,
        ackDeadlineSeconds: args.ackDeadlineSeconds,
        messageRetentionDuration: retention,
        retryPolicy: {
          minimumBackoff: toGcpDuration(args.minimumBackoffSeconds),
          maximumBackoff: toGcpDuration(args.maximumBackoffSeconds),
        },
        deadLetterPolicy: { deadLetterTopic: this.deadLetterTopic.id, maxDeliveryAttempts: args.maxDeliveryAttempts },
        expirationPolicy: neverExpire,
        labels: args.labels,
      },
      stateful,
    );

    this.deadLetterSubscription = new gcp.pubsub.Subscription(
      `${name}-dead-letter-subscription`,
      {
        name: `${args.subscriptionName}-dead-letter`,
        topic: this.deadLetterTopic.id,
        ackDeadlineSeconds: args.ackDeadlineSeconds,
        messageRetentionDuration: retention,
        retainAckedMessages: true,
        expirationPolicy: neverExpire,
        labels: args.labels,
      },
      stateful,
    );

    this.deadLetterPublisherGrant = new gcp.pubsub.TopicIAMMember(
      `${name}-dead-letter-publisher`,
      { topic: this.deadLetterTopic.name, role: "roles/pubsub.publisher", member: args.pubsubServiceAgentMember },
      { parent: this },
    );

    this.deadLetterSubscriberGrant = new gcp.pubsub.SubscriptionIAMMember(
      `${name}-dead-letter-subscriber`,
      { subscription: this.subscription.name, role: "roles/pubsub.subscriber", member: args.pubsubServiceAgentMember },
      { parent: this },
    );

    this.registerOutputs({
      topicId: this.topic.id,
      subscriptionId: this.subscription.id,
      deadLetterTopicId: this.deadLetterTopic.id,
      deadLetterSubscriptionId: this.deadLetterSubscription.id,
    });
  }
}
