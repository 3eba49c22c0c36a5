/**
 * The planned bus on Google's Pub/Sub emulator (scripts/bus/emulator.ts): what the plan
 * declares is made for real, and real events move through it. One emulator for the file,
 * on 127.0.0.1, stopped as a process group at the end. What the emulator does not do
 * (protobuf schemas, filters, IAM, sinks) is said where it matters and checked elsewhere.
 */
import { randomUUID } from "crypto";
import { Message, PubSub, Subscription, v1 } from "@google-cloud/pubsub";
import { AckResponses } from "@google-cloud/pubsub/build/src/subscriber";
import { createBus, Emulator, emulatorClient, plannedBus, PlannedBus, startEmulator, subscriptionRequest } from "../../../scripts/bus/emulator";
import { planStack } from "../../helpers/run";

jest.setTimeout(120_000);

let emulator: Emulator;
let dev: PlannedBus;
let pubsub: PubSub;
const clients: PubSub[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  // Dev with two extra consumer groups: one ordered, one exactly-once.
  const plan = await planStack("dev", {
    consumers: { "stream-processing": { subscription: "{topic}-sub" }, "batch-processing": {}, "ml-pipeline": {}, "event-indexer": { messageOrdering: true }, "analytics-api": { exactlyOnceDelivery: true, minimumBackoff: "1s", maximumBackoff: "2s" } },
  });
  dev = plannedBus(plan);
  pubsub = emulatorClient(emulator, dev.project);
  clients.push(pubsub);
  await createBus(pubsub, dev);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await emulator?.stop();
});

const consumersOf = (bus: PlannedBus) => bus.subscriptions.filter((s) => s.topic === bus.topics.find((t) => t.schema)!.name);
const eventTopic = () => dev.topics.find((t) => t.schema)!.name;

/** Pulls from a subscription until `until` says stop or `ms` pass; calls `onMessage` for each. */
function receive(subscription: Subscription, onMessage: (message: Message) => void, until: () => boolean, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(), ms);
    const finish = () => {
      clearTimeout(timer);
      subscription.removeAllListeners();
      subscription.close().then(() => resolve(), reject);
    };
    subscription.on("message", (message: Message) => {
      onMessage(message);
      if (until()) finish();
    });
    subscription.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe("the planned dev bus on the emulator", () => {
  it("is made as planned: every topic and subscription accepted, with the planned settings", async () => {
    const [topics] = await pubsub.getTopics();
    expect(topics.map((t) => t.name.split("/").pop()).sort()).toEqual(dev.topics.map((t) => t.name).sort());
    for (const planned of dev.subscriptions) {
      const [metadata] = await pubsub.subscription(planned.name).getMetadata();
      const wanted = subscriptionRequest(planned, dev.project);
      expect([planned.name, metadata.ackDeadlineSeconds, Number(metadata.messageRetentionDuration?.seconds), metadata.deadLetterPolicy?.maxDeliveryAttempts ?? undefined, metadata.enableMessageOrdering, metadata.enableExactlyOnceDelivery]).toEqual([
        planned.name, wanted.ackDeadlineSeconds, wanted.messageRetentionDuration!.seconds, wanted.deadLetterPolicy?.maxDeliveryAttempts, wanted.enableMessageOrdering ?? false, wanted.enableExactlyOnceDelivery ?? false,
      ]);
    }
  });

  it("delivers every event to every consumer group, once", async () => {
    const count = 300;
    const ids = Array.from({ length: count }, (_, i) => `block_${i}_${randomUUID()}`);
    const subscriptions = consumersOf(dev).filter((s) => !s.enableExactlyOnceDelivery && !s.enableMessageOrdering);
    const received = new Map(subscriptions.map((s) => [s.name, new Map<string, number>()]));
    const listening = subscriptions.map((s) => {
      const seen = received.get(s.name)!;
      return receive(pubsub.subscription(s.name, { flowControl: { maxMessages: 500 } }), (message) => {
        const id = message.attributes.item_id;
        if (ids.includes(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
        message.ack();
      }, () => seen.size >= count);
    });
    const topic = pubsub.topic(eventTopic());
    await Promise.all(ids.map((id) => topic.publishMessage({ data: Buffer.from(JSON.stringify({ item_id: id })), attributes: { item_id: id } })));
    await Promise.all(listening);
    for (const s of subscriptions) {
      const seen = received.get(s.name)!;
      expect([s.name, seen.size, [...seen.values()].filter((n) => n > 1).length]).toEqual([s.name, count, 0]);
    }
  });
});

describe("delivery on the emulator", () => {
  const consumer = (predicate: (s: PlannedBus["subscriptions"][number]) => boolean) => consumersOf(dev).find(predicate)!;

  it("dead-letters a message nacked maxDeliveryAttempts times, stamped with its source, honouring the retry backoff", async () => {
    // analytics-api: 1 s minimum backoff, 2 s maximum, 5 attempts.
    const source = consumer((s) => s.name.endsWith("-analytics-api"));
    const id = `dead_${randomUUID()}`;
    const deliveries: number[] = [];
    const nacking = receive(pubsub.subscription(source.name), (message) => {
      if (message.attributes.item_id !== id) return message.ack();
      deliveries.push(Date.now());
      message.nack();
    }, () => deliveries.length >= source.deadLetterPolicy!.maxDeliveryAttempts, 60_000);
    await pubsub.topic(eventTopic()).publishMessage({ data: Buffer.from("{}"), attributes: { item_id: id } });
    await nacking;
    expect(deliveries).toHaveLength(5);
    // The emulator redelivers the first nack at once; from the second redelivery on it waits the backoff.
    const gaps = deliveries.slice(1).map((at, i) => (at - deliveries[i]) / 1000);
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(1 * 0.9);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(2 + 2);

    // The emulator applies no filter: each reader gets every dead letter, so the source is
    // read from the attribute Pub/Sub stamps (which the readers' planned filters select on).
    const reader = dev.subscriptions.find((s) => s.name === `${source.name}-dead-letter`)!;
    expect(reader.filter).toBe(`attributes.CloudPubSubDeadLetterSourceSubscription = "${source.name}"`);
    // The move happens at the next delivery attempt: a subscriber must pull the source again
    // (a consumer that stopped leaves its poison message where it is).
    const client = new v1.SubscriberClient((await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    const pull = async (name: string) => {
      const subscription = `projects/${dev.project}/subscriptions/${name}`;
      const [response] = await client.pull({ subscription, maxMessages: 100 }, { timeout: 3000, retry: { retryCodes: [] } }).catch(() => [{ receivedMessages: [] }]);
      const ackIds = (response.receivedMessages ?? []).map((m) => m.ackId!);
      if (ackIds.length) await client.acknowledge({ subscription, ackIds });
      return response.receivedMessages ?? [];
    };
    let stamped: Record<string, string> | undefined;
    for (let round = 0; round < 20 && !stamped; round++) {
      expect((await pull(source.name)).some((m) => m.message?.attributes?.item_id === id)).toBe(false);
      stamped = (await pull(reader.name)).find((m) => m.message?.attributes?.item_id === id)?.message?.attributes ?? undefined;
    }
    await client.close();
    expect(stamped).toMatchObject({ item_id: id, CloudPubSubDeadLetterSourceSubscription: source.name });
  });

  it("keeps each ordering key's order for the consumer with messageOrdering", async () => {
    const ordered = consumer((s) => s.enableMessageOrdering === true);
    const topic = pubsub.topic(eventTopic(), { messageOrdering: true });
    const keys = ["0xaaa", "0xbbb", "0xccc"];
    const perKey = 40;
    const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
    const listening = receive(pubsub.subscription(ordered.name), (message) => {
      const key = message.orderingKey ?? "";
      if (seen.has(key)) seen.get(key)!.push(Number(message.attributes.seq));
      message.ack();
    }, () => [...seen.values()].every((list) => list.length >= perKey));
    for (let seq = 0; seq < perKey; seq++) {
      await Promise.all(keys.map((orderingKey) => topic.publishMessage({ data: Buffer.from("{}"), orderingKey, attributes: { seq: String(seq) } })));
    }
    await listening;
    for (const key of keys) expect([key, seen.get(key)]).toEqual([key, Array.from({ length: perKey }, (_, i) => i)]);
  });

  it("gives the exactly-once consumer an ack result", async () => {
    const exact = consumer((s) => s.enableExactlyOnceDelivery === true);
    const id = `once_${randomUUID()}`;
    let acked: Promise<unknown> | undefined;
    const listening = receive(pubsub.subscription(exact.name), (message) => {
      if (message.attributes.item_id !== id) return message.ack();
      acked = message.ackWithResponse();
    }, () => acked !== undefined);
    await pubsub.topic(eventTopic()).publishMessage({ data: Buffer.from("{}"), attributes: { item_id: id } });
    await listening;
    expect(await acked).toBe(AckResponses.Success);
  });

  it("replays dead letters by seeking a reader to a time; a consumer's acked messages are gone (no retained acks, unlike Kafka's offsets)", async () => {
    const reader = dev.subscriptions.find((s) => s.retainAckedMessages === true)!;
    const consumerSub = consumer((s) => s.name.endsWith("-ml-pipeline"));
    expect(consumerSub.retainAckedMessages).toBeUndefined();
    const take = async (subscription: string, topic: string, ids: string[], publish: boolean, ms = 8000) => {
      const got = new Set<string>();
      const listening = receive(pubsub.subscription(subscription), (message) => {
        if (ids.includes(message.attributes.item_id)) got.add(message.attributes.item_id);
        message.ack();
      }, () => got.size === ids.length, ms);
      if (publish) await Promise.all(ids.map((id) => pubsub.topic(topic).publishMessage({ data: Buffer.from("{}"), attributes: { item_id: id } })));
      await listening;
      return got.size;
    };
    const before = new Date(Date.now() - 1000);
    const dead = Array.from({ length: 10 }, () => `replay_${randomUUID()}`);
    expect(await take(reader.name, reader.topic, dead, true)).toBe(10);
    const acked = Array.from({ length: 10 }, () => `gone_${randomUUID()}`);
    expect(await take(consumerSub.name, eventTopic(), acked, true)).toBe(10);
    await pubsub.subscription(reader.name).seek(before);
    await pubsub.subscription(consumerSub.name).seek(before);
    expect(await take(reader.name, reader.topic, dead, false)).toBe(10);
    expect(await take(consumerSub.name, eventTopic(), acked, false, 3000)).toBe(0);
  });

  it("passes tools/smokeTest.ts, all but its schema step", async () => {
    const { runSmokeTest } = await import("../../../tools/smokeTest");
    const consumers = consumersOf(dev).filter((s) => !s.enableMessageOrdering && !s.enableExactlyOnceDelivery && !s.sink);
    const lines: string[] = [];
    // The dead-letter step on the consumer with the short backoff (1 to 2 s), as the test stack's would take minutes.
    const first = consumersOf(dev).find((s) => s.name.endsWith("-analytics-api"))!;
    await runSmokeTest(
      {
        projectId: dev.project,
        topic: eventTopic(),
        subscriptions: Object.fromEntries(consumers.map((s) => [s.name, s.name])),
        deadLetter: { subscription: first.name, deadLetterSubscription: `${first.name}-dead-letter`, maxDeliveryAttempts: first.deadLetterPolicy!.maxDeliveryAttempts },
      },
      (line) => lines.push(line),
      { pubsub, schema: false },
    );
    expect(lines.at(-1)).toBe(`found it in ${first.name}-dead-letter: dead-lettering works`);
    expect(lines).toContain("schema step skipped: this bus enforces no schema");
  });
});
