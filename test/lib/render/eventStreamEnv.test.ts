import { parseDotenv, toDotenv } from "../../../lib/render/dotenv";
import { renderEventStreamEnv } from "../../../lib/render/eventStreamEnv";
import { presets } from "../../../lib/presets";

const input = {
  projectId: "my-project",
  topic: "defimon-events",
  deadLetterTopic: "defimon-events-dead-letter",
  consumer: { subscription: "defimon-events-sub", ackDeadlineSeconds: 600, maxDeliveryAttempts: 5, minimumBackoff: 1, maximumBackoff: 600 },
  kmsKeyName: "projects/my-project/locations/global/keyRings/defimon/cryptoKeys/pubsub-key",
  eventStream: presets.standard.eventStream,
};

describe("renderEventStreamEnv", () => {
  it("writes the guide's variables with this stack's values", () => {
    expect(parseDotenv(renderEventStreamEnv(input, "dev"))).toEqual({
      GOOGLE_CLOUD_PROJECT: "my-project",
      GOOGLE_CLOUD_PUBSUB_TOPIC: "defimon-events",
      GOOGLE_CLOUD_PUBSUB_SUBSCRIPTION: "defimon-events-sub",
      GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_TOPIC: "defimon-events-dead-letter",
      GOOGLE_CLOUD_PUBSUB_DEAD_LETTER_SUBSCRIPTION: "defimon-events-sub-dead-letter",
      GOOGLE_CLOUD_PUBSUB_ACK_DEADLINE: "600",
      GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: "1000",
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_ATTEMPTS: "5",
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MIN_BACKOFF: "1",
      GOOGLE_CLOUD_PUBSUB_RETRY_POLICY_MAX_BACKOFF: "600",
      GOOGLE_CLOUD_PUBSUB_ENCRYPTION_ENABLED: "true",
      GOOGLE_CLOUD_PUBSUB_KMS_KEY_NAME: input.kmsKeyName,
      EVENT_STREAM_ENABLED: "true",
      EVENT_STREAM_BATCH_SIZE: "100",
      EVENT_STREAM_FLUSH_INTERVAL: "5",
      EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: "10",
      EVENT_STREAM_ERROR_RETRY_ATTEMPTS: "3",
      EVENT_STREAM_ERROR_RETRY_DELAY: "5",
    });
  });

  it("gives a publisher no subscription", () => {
    const env = parseDotenv(renderEventStreamEnv({ ...input, consumer: undefined }, "dev", "ai-ml"));
    expect(Object.keys(env).filter((key) => /SUBSCRIPTION|ACK_DEADLINE|RETRY_POLICY/.test(key))).toEqual([]);
    expect(env.GOOGLE_CLOUD_PUBSUB_TOPIC).toBe("defimon-events");
  });

  it("carries no credentials", () => {
    expect(renderEventStreamEnv(input, "dev")).not.toMatch(/GOOGLE_APPLICATION_CREDENTIALS|PRIVATE|PASSWORD|SECRET/);
  });
});

describe("toDotenv", () => {
  it("quotes what needs quoting and reads back the same", () => {
    const entries = { PLAIN: "a-b_c.d/e:f", SPACED: "two words", HASH: "x#y", EMPTY: "" };
    const text = toDotenv(entries, ["header"]);
    expect(text).toBe("# header\nPLAIN=a-b_c.d/e:f\nSPACED='two words'\nHASH='x#y'\nEMPTY=\n");
    expect(parseDotenv(text)).toEqual(entries);
  });

  it("refuses keys and values it cannot write safely", () => {
    expect(() => toDotenv({ "lower-case": "x" })).toThrow(/not an upper-case identifier/);
    expect(() => toDotenv({ MULTI: "a\nb" })).toThrow(/newline or a single quote/);
    expect(() => toDotenv({ QUOTE: "it's" })).toThrow(/newline or a single quote/);
  });
});
