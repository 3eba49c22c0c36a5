import { ConsumerConfig, guideSubscriptionName, StackConfig } from "../config";
import { EventStreamSettings } from "../presets";
import { toDotenv } from "./dotenv";

/** What the services need to know about the event bus; all of it public (no credentials). */
export interface EventStreamEnvInput {
  projectId: string;
  topic: string;
  deadLetterTopic: string;
  kmsKeyName: string;
  eventStream: EventStreamSettings;
  /** The service's own consumer group, when it consumes: its subscription and settings. */
  consumer?: ConsumerEnvInput;
}

/** What a consumer's .env names of its consumer group (config's resolved consumer; durations in seconds). */
export type ConsumerEnvInput = Pick<ConsumerConfig, "subscription" | "ackDeadlineSeconds" | "maxDeliveryAttempts" | "minimumBackoff" | "maximumBackoff">;

/** The variables that name a consumer's own subscription and its settings. */
export function consumerEnv(consumer: ConsumerEnvInput): Record<string, string | number> {
  return {
    GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION: consumer.subscription,
    // Its dead letters: the shared dead-letter topic, filtered to this subscription's.
    GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_SUBSCRIPTION: `${consumer.subscription}-dead-letter`,
    GOOGLE_CLOUD_PUBSUB_ACK_DEADLINE: consumer.ackDeadlineSeconds,
    GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_ATTEMPTS: consumer.maxDeliveryAttempts,
    GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MIN_BACKOFF: consumer.minimumBackoff,
    GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_BACKOFF: consumer.maximumBackoff,
  };
}

/**
 * The guide's GOOGLE_CLOUD_PUBSUB_* and EVENT_STREAM_* variables for one service of one
 * stack, as the text of the `.env` file it reads; a consumer's names its own subscription.
 * Credentials are deliberately absent: on GCP the services use their attached service
 * account; elsewhere the key file is handed over out of band and named by
 * GOOGLE_APPLICATION_CREDENTIALS.
 */
export function renderEventStreamEnv(input: EventStreamEnvInput, stack: string, service?: string): string {
  const { eventStream } = input;
  return toDotenv(
    {
      GOOGLE_CLOUD_PROJECT: input.projectId,
      GOOGLE_CLOUD_PUBSUB_TOPIC: input.topic,
      GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_TOPIC: input.deadLetterTopic,
      ...(input.consumer ? consumerEnv(input.consumer) : {}),
      GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: eventStream.maxMessages,
      GOOGLE_CLOUD_PUBSUB_ENCRYPTION_ENABLED: true,
      GOOGLE_CLOUD_PUBSUB_KMS_KEY_NAME: input.kmsKeyName,
      EVENT_STREAM_ENABLED: true,
      EVENT_STREAM_BATCH_SIZE: eventStream.batchSize,
      EVENT_STREAM_FLUSH_INTERVAL: eventStream.flushIntervalSeconds,
      EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: eventStream.maxConcurrentPublishers,
      EVENT_STREAM_ERROR_RETRY_ATTEMPTS: eventStream.errorRetryAttempts,
      EVENT_STREAM_ERROR_RETRY_DELAY: eventStream.errorRetryDelaySeconds,
    },
    [`DEFIMON event stream settings for ${service ? `service "${service}" of ` : ""}stack "${stack}". Rendered by Pulumi; edit the stack config, not this file.`],
  );
}

/** The consumer that keeps the guide's subscription name (`<topic>-sub`), if one does. */
export function guideConsumer(config: StackConfig): string | undefined {
  return Object.keys(config.consumers).find((name) => config.consumers[name].subscription === guideSubscriptionName(config.pubsub.topic));
}

/** A service's `.env` from the stack's config: a consumer's names its own subscription; none: the topic-wide settings. */
export function serviceEnv(config: StackConfig, deployed: { projectId: string; kmsKeyName: string }, stack: string, service?: string): string {
  const consumer = service !== undefined ? config.consumers[service] : undefined;
  return renderEventStreamEnv(
    {
      ...deployed,
      topic: config.pubsub.topic,
      deadLetterTopic: `${config.pubsub.topic}-dead-letter`,
      eventStream: config.eventStream,
      consumer,
    },
    stack,
    service,
  );
}
