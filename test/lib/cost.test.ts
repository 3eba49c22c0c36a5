import prices from "../../data/prices.json";
import { estimateMonthlyCost, formatCost } from "../../lib/cost";
import { named, planStack } from "../helpers/run";

describe("monthly cost estimate", () => {
  it("has its date, region and source with the prices, and says whether they were verified", () => {
    expect(prices).toMatchObject({ currency: "USD", region: "europe-west1", asOf: expect.stringMatching(/^\d{4}-\d{2}$/), verified: false });
    expect(prices.source).toMatch(/cloud\.google\.com/);
  });

  it("prices what the prod plan declares, line by line", async () => {
    const plan = await planStack("prod");
    const { lines, total } = estimateMonthlyCost(plan, { messagesPerMonth: 1_000_000_000, averageMessageBytes: 2048 });
    const monthly = Object.fromEntries(lines.map((line) => [line.item, line.monthly]));
    const n2 = prices.compute.n2;
    expect(named(plan, "defimon-node-vm").inputs.machineType).toBe("n2-highmem-8");
    expect(monthly["VM defimon-node-vm"]).toBeCloseTo((8 * n2.vcpuHour + 64 * n2.gibHour) * 730 * n2.sustainedUseFactor, 6);
    expect(monthly["disk defimon-node-chaindata"]).toBeCloseTo(2500 * prices.diskGibMonth["pd-ssd"], 6);
    expect(monthly["boot disk of defimon-node-vm"]).toBeCloseTo(50 * prices.diskGibMonth["pd-balanced"], 6);
    expect(monthly["snapshots defimon-node-snapshots"]).toBeCloseTo((1750 + 1750 * 0.02 * 14) * prices.snapshotGibMonth, 6);
    expect(monthly["static external IPv4"]).toBeCloseTo(730 * prices.externalIpv4Hour, 6);
    expect(monthly["Cloud KMS key versions"]).toBeCloseTo(prices.kmsKeyVersionMonth, 6);
    expect(monthly["Secret Manager"]).toBeCloseTo(2 * prices.secretVersionMonth, 6);
    // Published once, delivered to each of the four consumers and the BigQuery subscription.
    const billedGib = (1e9 * 2048 * 6) / 1024 ** 3 - prices.pubsubFreeGib;
    expect(monthly["Pub/Sub throughput"]).toBeCloseTo((billedGib / 1024) * prices.pubsubThroughputTib, 6);
    // 1e9 rows of 2048 + ~100 bytes = 2,148,000,000,000 B = 2000.48 GiB; less 10 free, at 0.02: 39.81.
    expect(monthly["BigQuery table defimon-analytics-table"]).toBeCloseTo(39.81, 2);
    expect(total).toBeCloseTo(Object.values(monthly).reduce((a, b) => a + b, 0), 6);
  });

  it("bills small messages as 1000 bytes and gives the free tier", async () => {
    const plan = await planStack("dev");
    const pubsub = (usage: { messagesPerMonth: number; averageMessageBytes: number }) =>
      estimateMonthlyCost(plan, usage).lines.find((line) => line.item === "Pub/Sub throughput")!.monthly;
    expect(pubsub({ messagesPerMonth: 1000, averageMessageBytes: 100 })).toBe(0);
    expect(pubsub({ messagesPerMonth: 1e9, averageMessageBytes: 10 })).toBeCloseTo(pubsub({ messagesPerMonth: 1e9, averageMessageBytes: 1000 }), 9);
  });

  it("says what it cannot price instead of pricing it at zero silently", async () => {
    const plan = await planStack("dev", { node: { machineType: "c4-standard-8", network: "hoodi", dataDiskType: "hyperdisk-balanced" } });
    const estimate = estimateMonthlyCost(plan, { messagesPerMonth: 0, averageMessageBytes: 1 });
    expect(estimate.notes).toContain("no price for machine type c4-standard-8");
    expect(estimate.notes).toContain("no price for disk type hyperdisk-balanced");
    expect(formatCost(estimate)).toMatch(/^Estimated monthly cost \(europe-west1 list prices as of \d{4}-\d{2}, not verified against Google's calculator\):/);
  });
});
