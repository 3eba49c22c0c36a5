/**
 * The bench's bus measurement (scripts/bus/throughput.ts) on the emulator: every event
 * arrives once with batching and with one message at a time, and a loss would show.
 */
import { useEmulator } from "../../helpers/emulator";
import { measureThroughput } from "../../../scripts/bus/throughput";

jest.setTimeout(60_000);
const bus = useEmulator("defimon-bench");

describe("the bus's throughput measurement", () => {
  it("counts every event once, batched (the small preset's pacing) and one at a time", async () => {
    const batched = await measureThroughput(bus.pubsub(), { batchSize: 50, maxMessages: 100 }, 1000);
    const single = await measureThroughput(bus.pubsub(), { batchSize: 1, maxMessages: 1 }, 50);
    expect([batched.lost, batched.duplicated, single.lost, single.duplicated]).toEqual([0, 0, 0, 0]);
    expect(batched.eventsPerSecond).toBeGreaterThan(0);
  });

  it("reports what did not arrive in time as lost", async () => {
    const cut = await measureThroughput(bus.pubsub(), { batchSize: 50, maxMessages: 100 }, 500, 1);
    expect(cut.lost).toBeGreaterThan(0);
  });
});
