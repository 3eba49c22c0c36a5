/**
 * npm run catalog:prices -- PRICING_YML [--commit SHA]
 *
 * Regenerates tools/data/prices.json from an export of Google's Cloud Billing Catalog: the file
 * pricing.yml of github.com/Cyclenerd/google-cloud-pricing-cost-calculator (Apache-2.0),
 * which that project builds from the Cloud Billing Catalog API every week. For every region
 * the stack offers (data/gce-catalog.json): each offered machine type's on-demand monthly
 * price (730 h, sustained-use discount included where Google gives one), the disk types'
 * and snapshots' price per GB-month, a static external IPv4 in use per hour, and internet
 * egress per GiB by volume tier (Premium Tier, worldwide destinations other than China and
 * Australia). Prices the catalog does not hold (Pub/Sub, Cloud KMS, Secret Manager,
 * BigQuery) are in data/service-prices.json, each with its own source.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parse } from "yaml";
import catalog from "../../data/gce-catalog.json";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { commit: { type: "string" } } });
if (positionals.length !== 1) {
  console.error("usage: npm run catalog:prices -- PRICING_YML [--commit SHA]");
  process.exit(2);
}

type Costs = Record<string, { month?: number; hour?: number }>;
const doc = parse(fs.readFileSync(positionals[0], "utf8"), { maxAliasCount: -1 }) as any;
const compute = doc.compute;
const storage = compute.storage as Record<string, { cost: Costs }>;
const egress = compute.network.traffic.egress.internet.cost as Record<string, Costs>;

/** The stack's disk types and the catalog's names for them. */
const diskNames: Record<string, string> = { "pd-balanced": "balanced", "pd-ssd": "ssd", "pd-standard": "hdd" };
const round = (value: number) => Math.round(value * 1e6) / 1e6;

const regions: Record<string, unknown> = {};
const missing: string[] = [];
/** Families whose catalog month is below 730 hours: Google's sustained-use discount is in it. */
const sustainedUse = new Set<string>();
for (const [region, entry] of Object.entries(catalog.regions as Record<string, { machineTypes: Record<string, string> }>)) {
  const machines: Record<string, number> = {};
  for (const [family, shapes] of Object.entries(entry.machineTypes)) {
    for (const shape of shapes.split(" ")) {
      const type = `${family}-${shape}`;
      const { month, hour } = compute.instance[type]?.cost?.[region] ?? {};
      if (typeof month === "number" && typeof hour === "number" && month < hour * 730 * 0.999) sustainedUse.add(family);
      if (typeof month === "number") machines[type] = round(month);
      else missing.push(`${region} ${type}`);
    }
  }
  const disks = Object.fromEntries(Object.entries(diskNames).map(([type, name]) => [type, storage[name]?.cost?.[region]?.month ?? null]));
  const tiers = ["0-1", "1-10", "10n"].map((tier, index) => ({ upToTib: [1, 10, null][index], perGib: egress[tier]?.[region]?.month ?? null }));
  regions[region] = {
    machineMonth: machines,
    diskGbMonth: disks,
    snapshotGbMonth: storage.snapshot?.cost?.[region]?.month ?? null,
    staticIpv4Hour: compute.network.ip.vm?.cost?.[region]?.hour ?? null,
    internetEgressPerGib: tiers,
  };
}

const generated = new Date(String(doc.about.generated));
const out = {
  source: `Google Cloud Billing Catalog, as exported in pricing.yml of github.com/Cyclenerd/google-cloud-pricing-cost-calculator${values.commit ? ` at commit ${values.commit}` : ""}; regenerate with npm run catalog:prices -- pricing.yml`,
  catalogGenerated: generated.toISOString().slice(0, 10),
  currency: "USD",
  hoursPerMonth: 730,
  notes: [
    "machineMonth: on-demand, 730 h; includes the sustained-use discount where Google gives one (N2, N2D, C2...: 20 % at full month), which applies only to self-serve (online) billing accounts",
    "internetEgressPerGib: Premium Tier, worldwide destinations other than China and Australia; tiers by monthly volume per region",
  ],
  sustainedUseFamilies: [...sustainedUse].sort(),
  regions,
};
fs.writeFileSync(path.join(__dirname, "..", "..", "tools", "data", "prices.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`tools/data/prices.json: ${Object.keys(regions).length} regions, catalog of ${out.catalogGenerated}${missing.length ? `; no catalog price for ${missing.length} offered machine types (priced with a warning): ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}` : ""}`);
