/**
 * The Compute Engine quotas a plan needs, per region: what a fresh project must have
 * before `pulumi up` (a new project often has 500 GB of SSD per region, and prod needs
 * more). Metric names are the Compute API's (Quota.metric, e.g. from
 * `gcloud compute regions describe REGION`); which family counts against which CPU quota:
 * https://cloud.google.com/compute/resource-usage#cpu_quota (E2 and N1 against CPUS, the
 * others against their own `<FAMILY>_CPUS`); pd-balanced and pd-ssd both count against
 * SSD_TOTAL_GB (https://cloud.google.com/compute/resource-usage#disk_quota).
 */
import { familyOf, machineTypeIn } from "../../lib/gce";
import { regionOfZone } from "../../lib/naming";
import { plannedMachines } from "./machines";
import { Plan } from "./run";

export interface QuotaNeed {
  metric: string;
  /** A region, or "global". */
  scope: string;
  amount: number;
}

const ssdTypes = new Set(["pd-ssd", "pd-balanced"]);

export function quotaNeeds(plan: Plan): QuotaNeed[] {
  const needs = new Map<string, QuotaNeed>();
  const add = (metric: string, scope: string, amount: number) => {
    const key = `${metric} ${scope}`;
    const need = needs.get(key) ?? { metric, scope, amount: 0 };
    need.amount += amount;
    needs.set(key, need);
  };
  const disk = (scope: string, type: string, size: number) => {
    if (ssdTypes.has(type)) add("SSD_TOTAL_GB", scope, size);
    else if (type === "pd-standard") add("DISKS_TOTAL_GB", scope, size);
    // Hyperdisk capacity has quotas of its own per region, named per type in the console.
    else add(`${type} capacity (GB)`, scope, size);
  };
  const of = (type: string) => plan.resources.filter((resource) => resource.type === type);

  const machines = plannedMachines(plan);
  for (const machine of machines) {
    const { region, machineType, count } = machine;
    const shape = machineTypeIn(region, machineType);
    const family = familyOf(machineType);
    if (typeof shape !== "string" && family) {
      add(family === "e2" ? "CPUS" : `${family.toUpperCase()}_CPUS`, region, shape.vcpus * count);
      add("CPUS_ALL_REGIONS", "global", shape.vcpus * count);
    }
    if (machine.boot) disk(region, machine.boot.type, machine.boot.size * count);
    for (const extra of machine.disks) disk(region, extra.type, extra.size * count);
    if (machine.external) add("IN_USE_ADDRESSES", region, count);
    // A group keeps each node's address (stateful external IP): the group makes it static.
    if (machine.external && machine.group) add("STATIC_ADDRESSES", region, count);
  }
  for (const resource of of("gcp:compute/disk:Disk")) disk(regionOfZone(String(resource.inputs.zone)), String(resource.inputs.type ?? "pd-standard"), Number(resource.inputs.size));
  for (const address of of("gcp:compute/address:Address")) {
    if ((address.inputs.addressType ?? "EXTERNAL") === "EXTERNAL") add("STATIC_ADDRESSES", String(address.inputs.region), 1);
  }
  // Snapshots count per project: one a day per scheduled disk, kept for the retention.
  for (const policy of of("gcp:compute/resourcePolicy:ResourcePolicy")) {
    const days = Number((policy.inputs.snapshotSchedulePolicy as { retentionPolicy?: { maxRetentionDays?: number } } | undefined)?.retentionPolicy?.maxRetentionDays ?? 0);
    const disks =
      of("gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment").length +
      machines.reduce((sum, machine) => sum + machine.count * machine.disks.filter((d) => d.scheduled).length, 0);
    if (days) add("SNAPSHOTS", "global", days * disks);
  }
  return [...needs.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.metric.localeCompare(b.metric));
}

export function formatQuotas(needs: QuotaNeed[]): string {
  const width = Math.max(...needs.map((need) => need.metric.length));
  return [
    "Compute Engine quotas this stack needs (check: gcloud compute regions describe REGION; raise: docs/runbooks/deploy.md, Quotas):",
    ...needs.map((need) => `  ${need.metric.padEnd(width)}  ${need.scope.padEnd(14)}  ${need.amount}`),
  ].join("\n");
}
