import { EventStreamSettings } from "../presets";
import { toDotenv } from "./dotenv";

/** What the services need to know about the event bus; all of it public (no credentials). */
export interface EventStreamEnvInput {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  ackDeadlineSeconds: number;
  maxDeliveryAttempts: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
  kmsKeyName: string;
  eventStream: EventStreamSettings;
}

/**
 * The guide's GOOGLE_CLOUD_PUBSUB_* and EVENT_STREAM_* variables for one stack, as the
 * text of the `.env` file the DEFIMON services read. Credentials are deliberately absent:
 * on GCP the services use the attached service account; elsewhere the key file is
 * handed over out of band and named by GOOGLE_APPLICATION_CREDENTIALS.
 */
export function renderEventStreamEnv(input: EventStreamEnvInput, stack: string): string {
  const { eventStream } = input;
  return toDotenv(
    {
      GOOGLE_CLOUD_PROJECT: input.projectId,
      GOOGLE_CLOUD_PUBSUB_TOPIC: input.topic,
      GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION: input.subscription,
      GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_TOPIC: input.deadLetterTopic,
      GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_SUBSCRIPTION: input.deadLetterSubscription,
      GOOGLE_CLOUD_PUBSUB_ACK_DEADLINE: input.ackDeadlineSeconds,
      GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: eventStream.maxMessages,
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_ATTEMPTS: input.maxDeliveryAttempts,
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MIN_BACKOFF: input.minimumBackoffSeconds,
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_BACKOFF: input.maximumBackoffSeconds,
      GOOGLE_CLOUD_PUBSUB_ENCRYPTION_ENABLED: true,
      GOOGLE_CLOUD_PUBSUB_KMS_KEY_NAME: input.kmsKeyName,
      EVENT_STREAM_ENABLED: true,
      EVENT_STREAM_BATCH_SIZE: eventStream.batchSize,
      EVENT_STREAM_FLUSH_INTERVAL: eventStream.flushIntervalSeconds,
      EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: eventStream.maxConcurrentPublishers,
      EVENT_STREAM_ERROR_RETRY_ATTEMPTS: eventStream.errorRetryAttempts,
      EVENT_STREAM_ERROR_RETRY_DELAY: eventStream.errorRetryDelaySeconds,
    },
    [`DEFIMON event stream settings for stack "${stack}". Rendered by Pulumi; edit the stack config, not this file.`],
  );
}
