/**
 * The offline plan's monthly cost estimate: list prices (data/prices.json, with their
 * date, region and source) applied to what the plan declares, plus the configured
 * Pub/Sub volume. An estimate for comparing stacks and changes, not a bill: no
 * committed-use discounts, no network egress, no Cloud Monitoring ingestion.
 */
import prices from "../data/prices.json";
import { machineTypeIn } from "./gce";
import { regionOfZone } from "./naming";
import { Plan } from "./plan/run";

export type PriceTable = typeof prices;

export interface Usage {
  messagesPerMonth: number;
  averageMessageBytes: number;
}

export interface CostLine {
  item: string;
  detail: string;
  monthly: number;
}

/** Assumptions for snapshot storage: share of the data disk in use, and share changing per day. */
export const snapshotAssumptions = { usedShare: 0.7, dailyChangeShare: 0.02 };

const gib = 1024 ** 3;

export function estimateMonthlyCost(plan: Plan, usage: Usage, table_: PriceTable = prices): { lines: CostLine[]; total: number; notes: string[] } {
  const lines: CostLine[] = [];
  const notes: string[] = [];
  const table = table_;
  const hours = table.hoursPerMonth;
  const of = (type: string) => plan.resources.filter((resource) => resource.type === type);

  for (const vm of of("gcp:compute/instance:Instance")) {
    const machineType = String(vm.inputs.machineType);
    const found = machineTypeIn(regionOfZone(String(vm.inputs.zone)), machineType);
    const shape = typeof found === "string" ? undefined : found;
    const family = machineType.split("-")[0] as keyof PriceTable["compute"];
    const rate = table.compute[family];
    if (!shape || !rate) {
      notes.push(`no price for machine type ${machineType}`);
    } else {
      const hourly = shape.vcpus * rate.vcpuHour + (shape.memoryMb / 1024) * rate.gibHour;
      const discount = rate.sustainedUseFactor < 1 ? `, sustained-use ${Math.round((1 - rate.sustainedUseFactor) * 100)} % off` : "";
      lines.push({ item: `VM ${vm.name}`, detail: `${machineType}, ${hours} h${discount}`, monthly: hourly * hours * rate.sustainedUseFactor });
    }
    const boot = (vm.inputs.bootDisk as { initializeParams?: { size?: number; type?: string } } | undefined)?.initializeParams;
    if (boot?.size && boot.type) lines.push(diskLine(`boot disk of ${vm.name}`, boot.size, boot.type, table, notes));
  }

  const disks = of("gcp:compute/disk:Disk");
  for (const disk of disks) lines.push(diskLine(`disk ${disk.name}`, Number(disk.inputs.size), String(disk.inputs.type), table, notes));

  for (const policy of of("gcp:compute/resourcePolicy:ResourcePolicy")) {
    const retention = Number((policy.inputs.snapshotSchedulePolicy as { retentionPolicy?: { maxRetentionDays?: number } })?.retentionPolicy?.maxRetentionDays ?? 0);
    const attachedGb = of("gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment")
      .map((attachment) => disks.find((disk) => String(attachment.inputs.disk).startsWith(disk.name)))
      .reduce((sum, disk) => sum + Number(disk?.inputs.size ?? 0), 0);
    const used = attachedGb * snapshotAssumptions.usedShare;
    const stored = used + used * snapshotAssumptions.dailyChangeShare * retention;
    lines.push({
      item: `snapshots ${policy.name}`,
      detail: `~${Math.round(stored)} GiB: ${Math.round(snapshotAssumptions.usedShare * 100)} % of ${attachedGb} GB in use, ${Math.round(snapshotAssumptions.dailyChangeShare * 100)} %/day changed, ${retention} days`,
      monthly: stored * table.snapshotGibMonth,
    });
  }

  const addresses = of("gcp:compute/address:Address").length;
  if (addresses) lines.push({ item: "static external IPv4", detail: `${addresses} in use`, monthly: addresses * table.externalIpv4Hour * hours });

  const keys = of("gcp:kms/cryptoKey:CryptoKey").length;
  if (keys) {
    lines.push({ item: "Cloud KMS key versions", detail: `${keys} key, 1 active version`, monthly: keys * table.kmsKeyVersionMonth });
    notes.push("each rotation adds a billed key version until old ones are destroyed (90-day rotation: ~5 after a year)");
  }

  const secretVersions = of("gcp:secretmanager/secretVersion:SecretVersion").length;
  if (secretVersions) lines.push({ item: "Secret Manager", detail: `${secretVersions} active versions`, monthly: secretVersions * table.secretVersionMonth });

  const subscriptions = of("gcp:pubsub/subscription:Subscription").filter((s) => s.inputs.deadLetterPolicy).length;
  if (of("gcp:pubsub/topic:Topic").length) {
    // Each message is billed at least 1000 bytes, once published and once per subscription delivering it.
    const billedBytes = usage.messagesPerMonth * Math.max(usage.averageMessageBytes, table.pubsubMinBytesPerMessage) * (1 + Math.max(subscriptions, 1));
    const billedGib = Math.max(0, billedBytes / gib - table.pubsubFreeGib);
    lines.push({
      item: "Pub/Sub throughput",
      detail: `${usage.messagesPerMonth.toLocaleString("en-US")} msgs x ${usage.averageMessageBytes} B, publish + ${Math.max(subscriptions, 1)} delivery`,
      monthly: (billedGib / 1024) * table.pubsubThroughputTib,
    });
  }

  for (const table of of("gcp:bigquery/table:Table")) {
    // A month of events: each row holds the message and Pub/Sub's metadata (about 100 bytes).
    const monthGib = (usage.messagesPerMonth * (usage.averageMessageBytes + 100)) / gib;
    lines.push({
      item: `BigQuery table ${table.name}`,
      detail: `~${monthGib.toFixed(1)} GiB a month of events, active logical storage; adds that much each month kept`,
      monthly: Math.max(0, monthGib - table_.bigQueryFreeGib) * table_.bigQueryActiveLogicalGibMonth,
    });
    notes.push("BigQuery's first 10 GiB of storage a month are free per billing account, not per stack; queries are billed by what they scan (not estimated)");
  }

  const total = lines.reduce((sum, line) => sum + line.monthly, 0);
  return { lines, total, notes };
}

function diskLine(item: string, sizeGb: number, type: string, table: PriceTable, notes: string[]): CostLine {
  const price = table.diskGibMonth[type as keyof PriceTable["diskGibMonth"]];
  if (price === undefined) notes.push(`no price for disk type ${type}`);
  return { item, detail: `${sizeGb} GB ${type}`, monthly: sizeGb * (price ?? 0) };
}

export function formatCost(estimate: ReturnType<typeof estimateMonthlyCost>, table: PriceTable = prices): string {
  const money = (value: number) => `${table.currency} ${value.toFixed(2).padStart(9)}`;
  const width = Math.max(...estimate.lines.map((line) => line.item.length));
  return [
    `Estimated monthly cost (${table.region} list prices as of ${table.asOf}${table.verified ? "" : ", not verified against Google's calculator"}):`,
    ...estimate.lines.map((line) => `  ${line.item.padEnd(width)}  ${money(line.monthly)}  ${line.detail}`),
    `  ${"total".padEnd(width)}  ${money(estimate.total)}`,
    ...estimate.notes.map((note) => `  note: ${note}`),
  ].join("\n");
}
