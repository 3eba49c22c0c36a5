/**
 * Pub/Sub's limits, as the offline config rules and Google's emulator each judge them: one
 * row per boundary value, where both accept or both refuse. The emulator validates
 * subscriptions with Pub/Sub's own messages (../shared/notes/pubsub-emulator.md); one row
 * is stricter offline by design, and says why.
 */
import { parseStackConfig } from "../../../lib/config";
import { useEmulator } from "../../helpers/emulator";

jest.setTimeout(15_000);

const bus = useEmulator("defimon-limits", async (pubsub) => {
  await pubsub.createTopic("limits");
  await pubsub.createTopic("limits-dead-letter");
});

/** A consumer's settings as config takes them, and the same as the Pub/Sub API takes them. */
type Row = [string, Record<string, unknown>, Record<string, unknown>, string?];
const s = (seconds: number) => ({ seconds });
const rows: Row[] = [
  ["ack deadline 9 s", { ackDeadlineSeconds: 9 }, { ackDeadlineSeconds: 9 }, "refused offline only: Pub/Sub documents 10 s as the shortest custom deadline; the emulator stores 9 as given"],
  ["ack deadline 10 s", { ackDeadlineSeconds: 10 }, { ackDeadlineSeconds: 10 }],
  ["ack deadline 600 s", { ackDeadlineSeconds: 600 }, { ackDeadlineSeconds: 600 }],
  ["ack deadline 601 s", { ackDeadlineSeconds: 601 }, { ackDeadlineSeconds: 601 }],
  ["retention 599 s", { messageRetentionDuration: "599s" }, { messageRetentionDuration: s(599) }],
  ["retention 10 min", { messageRetentionDuration: "10m" }, { messageRetentionDuration: s(600) }],
  ["retention 7 days", { messageRetentionDuration: "7d" }, { messageRetentionDuration: s(604800) }],
  ["retention 7 days and 1 s", { messageRetentionDuration: "604801s" }, { messageRetentionDuration: s(604801) }],
  ["4 delivery attempts", { maxDeliveryAttempts: 4 }, { deadLetterPolicy: { deadLetterTopic: "projects/defimon-limits/topics/limits-dead-letter", maxDeliveryAttempts: 4 } }],
  ["5 delivery attempts", { maxDeliveryAttempts: 5 }, { deadLetterPolicy: { deadLetterTopic: "projects/defimon-limits/topics/limits-dead-letter", maxDeliveryAttempts: 5 } }],
  ["100 delivery attempts", { maxDeliveryAttempts: 100 }, { deadLetterPolicy: { deadLetterTopic: "projects/defimon-limits/topics/limits-dead-letter", maxDeliveryAttempts: 100 } }],
  ["101 delivery attempts", { maxDeliveryAttempts: 101 }, { deadLetterPolicy: { deadLetterTopic: "projects/defimon-limits/topics/limits-dead-letter", maxDeliveryAttempts: 101 } }],
  ["backoff 0 to 0 s", { minimumBackoff: "0s", maximumBackoff: "0s" }, { retryPolicy: { minimumBackoff: s(0), maximumBackoff: s(0) } }],
  ["backoff 600 to 600 s", { minimumBackoff: "600s", maximumBackoff: "600s" }, { retryPolicy: { minimumBackoff: s(600), maximumBackoff: s(600) } }],
  ["backoff up to 601 s", { minimumBackoff: "1s", maximumBackoff: "601s" }, { retryPolicy: { minimumBackoff: s(1), maximumBackoff: s(601) } }],
  ["backoff from 601 s", { minimumBackoff: "601s", maximumBackoff: "600s" }, { retryPolicy: { minimumBackoff: s(601), maximumBackoff: s(600) } }],
  ["backoff 10 s to 5 s", { minimumBackoff: "10s", maximumBackoff: "5s" }, { retryPolicy: { minimumBackoff: s(10), maximumBackoff: s(5) } }],
  ["a 2-character name", { subscription: "ab" }, {}],
  ["a 3-character name", { subscription: "abc" }, {}],
  ["a name starting with goog", { subscription: "google-events" }, {}],
  ["a name starting with a digit", { subscription: "1events" }, {}],
  ["a name with a space", { subscription: "my events" }, {}],
  ["a 243-character name", { subscription: "a".repeat(243) }, {}],
  ["a 256-character name", { subscription: "a".repeat(256) }, {}],
  ["a 250-character name", { subscription: "a".repeat(250) }, {}, "refused offline only: the consumer's dead-letter reader adds -dead-letter (12 characters) and must fit in 255"],
];

const offline = (consumer: Record<string, unknown>) => {
  try {
    parseStackConfig({ preset: "small", consumers: { a: consumer } });
    return "accepted";
  } catch {
    return "refused";
  }
};

let serial = 0;
const onEmulator = async (consumer: Record<string, unknown>, request: Record<string, unknown>) => {
  const name = typeof consumer.subscription === "string" ? consumer.subscription : `limit-${serial++}`;
  try {
    await bus.pubsub().topic("limits").createSubscription(name, { ...request, gaxOpts: { timeout: 5000, retry: { retryCodes: [] } } } as never);
    await bus.pubsub().subscription(name).delete();
    return "accepted";
  } catch (error) {
    return /INVALID_ARGUMENT|OUT_OF_RANGE/.test(String(error)) ? "refused" : `failed: ${String(error)}`;
  }
};

describe("Pub/Sub's limits, offline and on the emulator", () => {
  // Rows as objects: jest would take a fourth parameter that a three-element row lacks for `done`.
  it.each(rows.map(([name, consumer, request, stricter]) => ({ name, consumer, request, stricter })))("$name", async ({ consumer, request, stricter }) => {
    const judged = [offline(consumer), await onEmulator(consumer, request)];
    expect(judged).toEqual(stricter ? ["refused", "accepted"] : [judged[1], judged[1]]);
  });

  it("is a table with both outcomes in it (a check that cannot fail is a defect)", async () => {
    const outcomes = new Set(rows.filter((row) => !row[3]).map((row) => offline(row[1])));
    expect([...outcomes].sort()).toEqual(["accepted", "refused"]);
  });
});
