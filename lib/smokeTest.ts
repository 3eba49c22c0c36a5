/**
 * The opt-in smoke test of a deployed test stack, against real Pub/Sub with the
 * caller's credentials (ADC): a message published to the topic arrives on the
 * subscription; a message nacked maxDeliveryAttempts times lands in the dead-letter
 * subscription. Needs a cloud project, so it runs only from `npm run stack:test -- up
 * NAME --smoke`, never in the offline test suite.
 */
import { randomUUID } from "crypto";
import { PubSub, v1 } from "@google-cloud/pubsub";

export interface SmokeTarget {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterSubscription: string;
  maxDeliveryAttempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pulls from `subscription` until a message with attribute smoke-id = id comes, or the deadline passes. */
async function pullUntil(
  client: v1.SubscriberClient,
  subscription: string,
  id: string,
  deadline: number,
  onOther: (ackId: string) => Promise<void>,
  onMatch: (ackId: string) => Promise<boolean>,
): Promise<boolean> {
  while (Date.now() < deadline) {
    const [response] = await client.pull({ subscription, maxMessages: 10 }, { timeout: 30_000 });
    for (const received of response.receivedMessages ?? []) {
      const ackId = received.ackId!;
      if (received.message?.attributes?.["smoke-id"] === id) {
        if (await onMatch(ackId)) return true;
      } else {
        await onOther(ackId);
      }
    }
    if (!response.receivedMessages?.length) await sleep(2000);
  }
  return false;
}

export async function runSmokeTest(target: SmokeTarget, log: (line: string) => void = console.log): Promise<void> {
  const pubsub = new PubSub({ projectId: target.projectId });
  const client = new v1.SubscriberClient();
  const path = (name: string) => client.subscriptionPath(target.projectId, name);
  const topic = pubsub.topic(target.topic);
  const ack = (subscription: string) => async (ackId: string) => {
    await client.acknowledge({ subscription, ackIds: [ackId] });
    return true;
  };
  const leave = async () => undefined;

  // 1. Delivery.
  const delivered = randomUUID();
  await topic.publishMessage({ data: Buffer.from("defimon smoke test: delivery"), attributes: { "smoke-id": delivered } });
  log(`published ${delivered} to ${target.topic}`);
  if (!(await pullUntil(client, path(target.subscription), delivered, Date.now() + 120_000, leave, ack(path(target.subscription))))) {
    throw new Error(`message ${delivered} did not arrive on ${target.subscription} within 2 minutes`);
  }
  log(`received and acked it on ${target.subscription}`);

  // 2. Dead-lettering: nack every delivery (ack deadline 0); after maxDeliveryAttempts it moves.
  const rejected = randomUUID();
  await topic.publishMessage({ data: Buffer.from("defimon smoke test: dead letter"), attributes: { "smoke-id": rejected } });
  log(`published ${rejected}; nacking it ${target.maxDeliveryAttempts} times`);
  let nacks = 0;
  const nack = async (ackId: string) => {
    await client.modifyAckDeadline({ subscription: path(target.subscription), ackIds: [ackId], ackDeadlineSeconds: 0 });
    nacks += 1;
    return nacks >= target.maxDeliveryAttempts;
  };
  await pullUntil(client, path(target.subscription), rejected, Date.now() + 600_000, leave, nack);
  log(`nacked ${nacks} times; waiting for it in ${target.deadLetterSubscription}`);
  const deadLettered = await pullUntil(client, path(target.deadLetterSubscription), rejected, Date.now() + 300_000, leave, ack(path(target.deadLetterSubscription)));
  await client.close();
  await pubsub.close();
  if (!deadLettered) throw new Error(`message ${rejected} did not reach ${target.deadLetterSubscription} within 5 minutes`);
  log(`found it in ${target.deadLetterSubscription}: dead-lettering works`);
}
