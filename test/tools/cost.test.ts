/**
 * The cost estimate against figures worked out by hand from the Cloud Billing Catalog's
 * unit prices (pricing.yml of Cyclenerd/google-cloud-pricing-cost-calculator, 2026-07-30,
 * read directly, not through tools/data/prices.json) and the service prices' sources. Each line
 * must be within a cent of the hand figure, far inside the 5 % the estimate promises.
 *
 * Unit prices used (USD): europe-west1: n2-highmem-8 336.753159/month (sustained-use
 * discount in), e2-standard-4 107.6245716/month; us-central1: e2-standard-4 97.8366732/month;
 * both regions: pd-balanced 0.10, pd-ssd 0.17, snapshot 0.05 per GB-month, static IPv4
 * 0.005/h, internet egress 0.12 (first TiB), 0.11 (to 10 TiB) per GiB. Pub/Sub 40 per TiB,
 * export subscriptions 50 per TiB, storage 0.27 per GiB-month; KMS and Secret Manager 0.06;
 * BigQuery 0.02 per GiB-month. 1 TiB = 1,099,511,627,776 B; 1 GiB = 1,073,741,824 B.
 */
import prices from "../../tools/data/prices.json";
import { egressCost, estimateMonthlyCost, formatCost } from "../../tools/cost";
import { offeredRegions } from "../../lib/gce";
import { parseEngineConfig } from "../../lib/config";
import { readStackConfigFiles } from "../../tools/plan/stackFiles";
import { projectRoot } from "../../tools/plan/run";
import { planStack } from "../helpers/run";

const usageOf = (stack: string, overrides: Record<string, string> = {}) => parseEngineConfig({ ...readStackConfigFiles(projectRoot, stack).config, ...overrides }).cost;
const linesOf = (estimate: ReturnType<typeof estimateMonthlyCost>) => Object.fromEntries(estimate.lines.map((line) => [line.item, line.monthly]));
const within = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(0.01);

describe("monthly cost estimate", () => {
  it("prices prod (europe-west1, high-load) on one node as worked out by hand", async () => {
    const estimate = estimateMonthlyCost(await planStack("prod", { node: { replicas: 1 } }), usageOf("prod"));
    const lines = linesOf(estimate);
    within(lines["VM defimon-node-vm"], 336.75); // catalog month, n2 sustained-use discount in
    within(lines["boot disk of defimon-node-vm"], 5.0); // 50 GB x 0.10
    within(lines["disk defimon-node-chaindata"], 250.0); // 2500 GB x 0.10 (pd-balanced)
    within(lines["snapshots defimon-node-snapshots"], 112.0); // (1750 + 1750 x 0.02 x 14) GB x 0.05
    within(lines["static external IPv4"], 3.65); // 730 h x 0.005
    within(lines["internet egress (P2P)"], 179.2); // 1024 GiB x 0.12 + 512 GiB x 0.11
    within(lines["Cloud KMS key versions"], 0.06);
    within(lines["Secret Manager"], 0.12); // 2 versions x 0.06
    // 1e9 messages of 2048 + 20 (timestamp) + 16 (ID) = 2084 B. Publish: 2e6 requests of 500 x
    // 2084 B = 2.084e12 B. Pull: 4 subscriptions x 2e5 requests of 5000 x 2084 B = 8.336e12 B.
    // 1.042e13 B = 9.4770 TiB x 40 = 379.08.
    within(lines["Pub/Sub throughput"], 379.08);
    within(lines["Pub/Sub export subscriptions"], 94.77); // 1e9 x 2084 B = 1.8954 TiB x 50
    within(lines["Pub/Sub message storage"], 0.12); // 1e6 dead letters x 2084 B x 7/30 = 0.4529 GiB x 0.27
    within(lines["BigQuery table defimon-analytics-table"], 40.01); // 1e9 x 2148 B = 2000.48 GiB x 0.02
    within(estimate.total, 1400.76);
    expect(estimate.warnings).toEqual([]);
  });

  it("prices prod's group of two nodes as worked out by hand: each node's share times two, and the balancer", async () => {
    const estimate = estimateMonthlyCost(await planStack("prod"), usageOf("prod"));
    const lines = linesOf(estimate);
    within(lines["VM defimon-node-group"], 673.51); // 2 x 336.755 (catalog month, n2 sustained-use discount in)
    within(lines["boot disk of defimon-node-group"], 10.0); // 2 x 50 GB x 0.10
    within(lines["disks of defimon-node-group"], 500.0); // 2 x 2500 GB x 0.10 (pd-balanced)
    within(lines["snapshots defimon-node-snapshots"], 224.0); // (3500 + 3500 x 0.02 x 14) GB x 0.05
    within(lines["static external IPv4"], 7.3); // each node keeps its address: 2 x 730 h x 0.005
    within(lines["internet egress (P2P)"], 358.4); // each node its own peers: 2 x (1024 GiB x 0.12 + 512 GiB x 0.11)
    within(lines["internal load balancer"], 18.25); // 1 forwarding rule x 730 h x 0.025
    expect(lines["disk defimon-node-chaindata"]).toBeUndefined();
    within(estimate.total, 2305.61);
    expect(estimate.warnings).toEqual([]);
  });

  it("prices dev (europe-west1, small) as worked out by hand", async () => {
    const lines = linesOf(estimateMonthlyCost(await planStack("dev"), usageOf("dev")));
    within(lines["VM defimon-node-vm"], 107.62);
    within(lines["disk defimon-node-chaindata"], 40.0); // 400 GB x 0.10
    within(lines["snapshots defimon-node-snapshots"], 14.84); // (280 + 280 x 0.02 x 3) GB x 0.05
    // 1e7 messages of 1024 + 36 = 1060 B. Publish: 2e5 requests of 50 x 1060 B = 1.06e10 B.
    // Pull: 4 x 1e5 requests of 100 x 1060 B = 4.24e10 B. 5.3e10 B = 0.048203 TiB x 40 = 1.93.
    within(lines["Pub/Sub throughput"], 1.93);
    within(lines["Pub/Sub export subscriptions"], 0.48); // 1.06e10 B = 0.0096406 TiB x 50
    within(lines["BigQuery table defimon-analytics-table"], 0.21); // 1e7 x 1124 B = 10.468 GiB x 0.02
  });

  it("prices another region with its own catalog prices (dev in us-central1)", async () => {
    const plan = await planStack("dev");
    const usage = usageOf("dev");
    const vm = plan.resources.find((r) => r.type === "gcp:compute/instance:Instance")!;
    vm.inputs.zone = "us-central1-a";
    const lines = linesOf(estimateMonthlyCost(plan, usage));
    within(lines["VM defimon-node-vm"], 97.84);
    within(lines["internet egress (P2P)"], 179.2);
  });

  it("bills Pub/Sub per request, at least 1000 bytes each", async () => {
    const plan = await planStack("dev");
    const throughput = (averageMessageBytes: number, batch: number) =>
      linesOf(estimateMonthlyCost(plan, { ...usageOf("dev"), messagesPerMonth: 1e9, averageMessageBytes, publishBatchSize: batch, pullBatchSize: batch }))["Pub/Sub throughput"];
    // One 10-byte message per request is billed 1000 bytes: 5 x 1e9 x 1000 B = 4.5475 TiB x 40.
    within(throughput(10, 1), 181.9);
    // Batched 100 to a request, the same messages are billed what they weigh: 5 x 1e7 x 100 x 46 B.
    within(throughput(10, 100), 8.37);
  });

  it("prices egress by the catalog's volume tiers", () => {
    const tiers = prices.regions["europe-west1"].internetEgressPerGib;
    // 12 TiB: 1024 GiB x 0.12 + 9216 GiB x 0.11 + 2048 GiB x 0.085 = 122.88 + 1013.76 + 174.08.
    within(egressCost(12 * 1024, tiers), 1310.72);
    within(egressCost(0, tiers), 0);
  });

  it("names the region and the catalog's date, and warns where it cannot price instead of pricing as another", async () => {
    const plan = await planStack("dev", { node: { machineType: "c4-standard-8", network: "hoodi", dataDiskType: "hyperdisk-balanced" } });
    const estimate = estimateMonthlyCost(plan, usageOf("dev"));
    expect(estimate.warnings).toEqual([
      "boot disk of defimon-node-vm: no catalog price for disk type hyperdisk-balanced in europe-west1; not priced",
      "disk defimon-node-chaindata: no catalog price for disk type hyperdisk-balanced in europe-west1; not priced",
    ]);
    expect(formatCost(estimate)).toMatch(/^Estimated monthly cost \(europe-west1: Google's Cloud Billing Catalog of 2026-07-30; /);
    const { ["europe-west1"]: _gone, ...others } = prices.regions;
    const elsewhere = estimateMonthlyCost(await planStack("dev"), usageOf("dev"), { ...prices, regions: others as typeof prices.regions });
    expect(elsewhere.warnings).toEqual(["region europe-west1 is not in the price catalog (tools/data/prices.json): its compute, disks, IP and egress are not priced"]);
    expect(linesOf(elsewhere)["VM defimon-node-vm"]).toBe(0);
  });

  it("covers every region the stack offers, with the catalog's date and source", () => {
    expect(Object.keys(prices.regions).sort()).toEqual([...offeredRegions].sort());
    expect(prices.source).toMatch(/Cloud Billing Catalog.*Cyclenerd\/google-cloud-pricing-cost-calculator/);
    expect(prices.catalogGenerated).toBe("2026-07-30");
  });
});
