/**
 * The bus's end-to-end throughput on the emulator: events published with a preset's
 * batching and received with its flow control, counted by item_id, so that a lost or
 * duplicated event shows (both must be 0). `npm run bench` reports it for each preset,
 * against one message at a time. Loopback and 2 cores: a comparison, not the cloud's rate.
 */
import { PubSub } from "@google-cloud/pubsub";

export interface Pacing {
  /** Messages per publish request (the preset's eventStream.batchSize; 1: one at a time). */
  batchSize: number;
  /** Messages a subscriber holds unacked (the preset's eventStream.maxMessages). */
  maxMessages: number;
}

export interface Throughput {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  lost: number;
  duplicated: number;
}

let serial = 0;

/** Publishes `events` events through a fresh topic and subscription and receives them all (or times out). */
export async function measureThroughput(pubsub: PubSub, pacing: Pacing, events: number, timeoutMs = 120_000): Promise<Throughput> {
  const name = `bench-${process.pid}-${serial++}`;
  const [topic] = await pubsub.createTopic(name);
  const [subscription] = await topic.createSubscription(name, { ackDeadlineSeconds: 60 });
  const publisher = pubsub.topic(name, { batching: { maxMessages: pacing.batchSize, maxMilliseconds: 10 } });
  const seen = new Map<number, number>();
  const subscriber = pubsub.subscription(name, { flowControl: { maxMessages: pacing.maxMessages, allowExcessMessages: false } });
  const payload = (i: number) => Buffer.from(JSON.stringify({ event_type: "log", item_id: `log_${i}`, payload: "x".repeat(400) }));
  const start = process.hrtime.bigint();
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    subscriber.on("message", (message) => {
      const i = Number(message.attributes.i);
      seen.set(i, (seen.get(i) ?? 0) + 1);
      message.ack();
      if (seen.size >= events) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  if (pacing.batchSize === 1) {
    for (let i = 0; i < events; i++) await publisher.publishMessage({ data: payload(i), attributes: { i: String(i) } });
  } else {
    await Promise.all(Array.from({ length: events }, (_, i) => publisher.publishMessage({ data: payload(i), attributes: { i: String(i) } })));
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const received = seen.size;
  // Late duplicates: a moment more to see any redelivery.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await subscriber.close();
  await subscription.delete();
  await topic.delete();
  return {
    events,
    seconds,
    eventsPerSecond: received / seconds,
    lost: events - received,
    duplicated: [...seen.values()].reduce((sum, n) => sum + n - 1, 0),
  };
}
