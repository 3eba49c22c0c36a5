/**
 * The opt-in smoke test of a deployed test stack, against real Pub/Sub with the
 * caller's credentials (ADC): a schema-valid event published to the topic arrives on
 * every consumer's subscription; an event the schema refuses is refused at publish; a
 * message nacked maxDeliveryAttempts times lands in its consumer's dead-letter
 * subscription. Needs a cloud project, so it runs only from `npm run stack:test -- up
 * NAME --smoke`, never in the offline test suite (smokeEvents, below, is unit-tested).
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PubSub, v1 } from "@google-cloud/pubsub";

export interface SmokeTarget {
  projectId: string;
  topic: string;
  /** Each consumer group's subscription, by consumer. */
  subscriptions: Record<string, string>;
  /** The consumer whose dead-lettering is exercised, its dead-letter subscription, and its threshold. */
  deadLetter: { subscription: string; deadLetterSubscription: string; maxDeliveryAttempts: number };
}

/**
 * The events the smoke test publishes: the first valid example of schema/examples with a
 * fresh item_id (so a re-run is not taken for a duplicate), and the first invalid one.
 */
export function smokeEvents(id: string): { valid: Record<string, unknown>; invalid: unknown } {
  const examples = (file: string) => Object.values(JSON.parse(fs.readFileSync(path.join(__dirname, "..", "schema", "examples", file), "utf8")) as Record<string, unknown>);
  const [valid] = examples("valid.json") as Record<string, unknown>[];
  const [invalid] = examples("invalid.json");
  return { valid: { ...valid, item_id: `smoke_${id}`, producer: "smoke-test" }, invalid };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pulls from `subscription` until a message with attribute smoke-id = id comes, or the deadline passes (one pull at least). */
async function pullUntil(
  client: v1.SubscriberClient,
  subscription: string,
  id: string,
  deadline: number,
  onOther: (ackId: string) => Promise<void>,
  onMatch: (ackId: string) => Promise<boolean>,
  pullTimeoutMs = 10_000,
): Promise<boolean> {
  // At least one pull, however near the deadline.
  do {
    // A pull waits for messages (up to its timeout) when there are none: an empty answer then.
    const [response] = await client.pull({ subscription, maxMessages: 10 }, { timeout: pullTimeoutMs, retry: { retryCodes: [] } }).catch((error: { code?: number }) => {
      if (error.code === 4) return [{ receivedMessages: [] }];
      throw error;
    });
    for (const received of response.receivedMessages ?? []) {
      const ackId = received.ackId!;
      if (received.message?.attributes?.["smoke-id"] === id) {
        if (await onMatch(ackId)) return true;
      } else {
        await onOther(ackId);
      }
    }
    if (!response.receivedMessages?.length) await sleep(2000);
  } while (Date.now() < deadline);
  return false;
}

/**
 * `pubsub`: another client than ADC's (the emulator's); its subscriber client follows it
 * (a bare v1.SubscriberClient would ignore an emulator). `schema: false` skips the step an
 * emulator cannot take (it refuses protobuf schemas).
 */
export async function runSmokeTest(target: SmokeTarget, log: (line: string) => void = console.log, options: { pubsub?: PubSub; schema?: boolean } = {}): Promise<void> {
  const pubsub = options.pubsub ?? new PubSub({ projectId: target.projectId });
  const client = new v1.SubscriberClient((await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0]);
  const path_ = (name: string) => client.subscriptionPath(target.projectId, name);
  const topic = pubsub.topic(target.topic);
  const ack = (subscription: string) => async (ackId: string) => {
    await client.acknowledge({ subscription, ackIds: [ackId] });
    return true;
  };
  const leave = async () => undefined;
  try {
    // 1. A valid event reaches every consumer group.
    const delivered = randomUUID();
    const events = smokeEvents(delivered);
    await topic.publishMessage({ data: Buffer.from(JSON.stringify(events.valid)), attributes: { "smoke-id": delivered } });
    log(`published event ${delivered} to ${target.topic}`);
    for (const [consumer, subscription] of Object.entries(target.subscriptions)) {
      if (!(await pullUntil(client, path_(subscription), delivered, Date.now() + 120_000, leave, ack(path_(subscription))))) {
        throw new Error(`event ${delivered} did not arrive on ${consumer}'s subscription ${subscription} within 2 minutes`);
      }
      log(`${consumer} received it on ${subscription}`);
    }

    // 2. The schema refuses an invalid event at publish.
    if (options.schema === false) {
      log("schema step skipped: this bus enforces no schema");
    } else {
      const refused = await topic.publishMessage({ data: Buffer.from(JSON.stringify(events.invalid)) }).then(
        () => false,
        (error: Error) => /INVALID_ARGUMENT|schema/i.test(String(error.message)),
      );
      if (!refused) throw new Error(`the topic took an event its schema refuses: ${JSON.stringify(events.invalid)}`);
      log("an event the schema refuses was refused at publish");
    }

    // 3. Dead-lettering: nack every delivery (ack deadline 0); after maxDeliveryAttempts it moves.
    const { subscription, deadLetterSubscription, maxDeliveryAttempts } = target.deadLetter;
    const rejected = randomUUID();
    await topic.publishMessage({ data: Buffer.from(JSON.stringify(smokeEvents(rejected).valid)), attributes: { "smoke-id": rejected } });
    log(`published ${rejected}; nacking it ${maxDeliveryAttempts} times on ${subscription}`);
    let nacks = 0;
    const nack = async (ackId: string) => {
      await client.modifyAckDeadline({ subscription: path_(subscription), ackIds: [ackId], ackDeadlineSeconds: 0 });
      nacks += 1;
      return nacks >= maxDeliveryAttempts;
    };
    await pullUntil(client, path_(subscription), rejected, Date.now() + 600_000, leave, nack);
    log(`nacked ${nacks} times; waiting for it in ${deadLetterSubscription}`);
    // Pub/Sub moves it at its next delivery attempt, so the source is pulled too (measured on
    // Google's emulator: with no subscriber on the source, the message stays there).
    const deadline = Date.now() + 300_000;
    let moved = false;
    while (!moved && Date.now() < deadline) {
      await pullUntil(client, path_(subscription), rejected, Date.now() + 1, leave, nack, 3000);
      moved = await pullUntil(client, path_(deadLetterSubscription), rejected, Date.now() + 1, leave, ack(path_(deadLetterSubscription)));
    }
    if (!moved) throw new Error(`message ${rejected} did not reach ${deadLetterSubscription} within 5 minutes`);
    log(`found it in ${deadLetterSubscription}: dead-lettering works`);
  } finally {
    await client.close();
    if (!options.pubsub) await pubsub.close();
  }
}
