/**
 * The bench's bus measurement (scripts/bus/throughput.ts) on the emulator: every event
 * arrives once with batching and with one message at a time, and a loss would show.
 */
import { PubSub } from "@google-cloud/pubsub";
import { Emulator, emulatorClient, startEmulator } from "../../../scripts/bus/emulator";
import { measureThroughput } from "../../../scripts/bus/throughput";

jest.setTimeout(60_000);
let emulator: Emulator;
let pubsub: PubSub;
beforeAll(async () => {
  emulator = await startEmulator();
  pubsub = emulatorClient(emulator, "defimon-bench");
});
afterAll(async () => {
  await pubsub?.close();
  await emulator?.stop();
});

describe("the bus's throughput measurement", () => {
  it("counts every event once, batched (the small preset's pacing) and one at a time", async () => {
    const batched = await measureThroughput(pubsub, { batchSize: 50, maxMessages: 100 }, 1000);
    const single = await measureThroughput(pubsub, { batchSize: 1, maxMessages: 1 }, 50);
    expect([batched.lost, batched.duplicated, single.lost, single.duplicated]).toEqual([0, 0, 0, 0]);
    expect(batched.eventsPerSecond).toBeGreaterThan(0);
  });

  it("reports what did not arrive in time as lost", async () => {
    const cut = await measureThroughput(pubsub, { batchSize: 50, maxMessages: 100 }, 500, 1);
    expect(cut.lost).toBeGreaterThan(0);
  });
});
