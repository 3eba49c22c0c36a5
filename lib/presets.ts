/**
 * The guide's sizing presets as data. `defimon:preset` picks one; every field can
 * still be overridden in the stack config (`defimon:eventStream`).
 *
 * The figures for `small` and `high-load` are the guide's "small systems" and
 * "high-load systems" settings; `standard` is the guide's main `.env`.
 */

export const presetNames = ["small", "standard", "high-load"] as const;
export type PresetName = (typeof presetNames)[number];

/** How the DEFIMON services batch and pace their Pub/Sub traffic (the guide's EVENT_STREAM_* and MAX_MESSAGES). */
export interface EventStreamSettings {
  /** GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: outstanding messages a subscriber holds at once (flow control). */
  maxMessages: number;
  /** EVENT_STREAM_BATCH_SIZE: messages per publish batch. */
  batchSize: number;
  /** EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: publisher workers per service. */
  maxConcurrentPublishers: number;
  /** EVENT_STREAM_FLUSH_INTERVAL: seconds before a partial batch is sent. */
  flushIntervalSeconds: number;
  /** EVENT_STREAM_ERROR_RETRY_ATTEMPTS: retries of a failed publish before it is reported. */
  errorRetryAttempts: number;
  /** EVENT_STREAM_ERROR_RETRY_DELAY: seconds between those retries. */
  errorRetryDelaySeconds: number;
}

export interface Preset {
  eventStream: EventStreamSettings;
}

/** Flush and error-retry pacing is the same in every preset of the guide. */
const commonPacing = { flushIntervalSeconds: 5, errorRetryAttempts: 3, errorRetryDelaySeconds: 5 };

export const presets: Record<PresetName, Preset> = {
  small: {
    eventStream: { maxMessages: 100, batchSize: 50, maxConcurrentPublishers: 5, ...commonPacing },
  },
  standard: {
    eventStream: { maxMessages: 1000, batchSize: 100, maxConcurrentPublishers: 10, ...commonPacing },
  },
  "high-load": {
    eventStream: { maxMessages: 5000, batchSize: 500, maxConcurrentPublishers: 20, ...commonPacing },
  },
};
