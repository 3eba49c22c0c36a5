/**
 * What Compute Engine offers, as data: regions, their zones, the machine types of each
 * region (data/gce-catalog.json, generated from gcloud exports with their date: see its
 * `source`), and the disk types each machine family can attach. Config checks and the
 * offline plan's mocks both ask here, so a machine type, zone or disk that Google Cloud
 * would refuse is refused offline too.
 */
import catalog from "../data/gce-catalog.json";
import customRules from "../data/gce-custom-machine-types.json";

/** The x86-64 families the stack offers (the host image is amd64; Arm families need another image). */
export const offeredFamilies = ["e2", "n2", "n2d", "n4", "n4d", "c3", "c3d", "c4", "c4d", "t2d"] as const;
export type MachineFamily = (typeof offeredFamilies)[number];

/** Disk types the stack uses: pd-standard (HDD) cannot keep up with geth, so it is not offered. */
export const diskTypes = ["pd-balanced", "pd-ssd", "hyperdisk-balanced"] as const;
export type DiskType = (typeof diskTypes)[number];

/**
 * Disk types each family can attach, boot disk included. C4, C4D, N4 and N4D take only
 * Hyperdisk; C3 and C3D take both; the older families only Persistent Disk.
 * Sources (2026-11-25): Compute Engine docs, "About Hyperdisk Balanced", machine series
 * support (https://cloud.google.com/compute/docs/disks/hd-types/hyperdisk-balanced) and
 * "Disk types" per machine series (https://cloud.google.com/compute/docs/disks#disk-types);
 * the same table quoted in nextflow-io/nextflow#6614.
 */
export const familyDiskTypes: Record<MachineFamily, readonly DiskType[]> = {
  e2: ["pd-balanced", "pd-ssd"],
  n2: ["pd-balanced", "pd-ssd"],
  n2d: ["pd-balanced", "pd-ssd"],
  t2d: ["pd-balanced", "pd-ssd"],
  c3: ["pd-balanced", "pd-ssd", "hyperdisk-balanced"],
  c3d: ["pd-balanced", "pd-ssd", "hyperdisk-balanced"],
  n4: ["hyperdisk-balanced"],
  n4d: ["hyperdisk-balanced"],
  c4: ["hyperdisk-balanced"],
  c4d: ["hyperdisk-balanced"],
};

/**
 * Size and performance limits per disk type. Sizes: `gcloud compute disk-types list`
 * (VALID_DISK_SIZES, same export as the catalog). Hyperdisk Balanced: up to 160,000 IOPS
 * and 2,400 MiB/s per volume, 3,000 IOPS and 140 MiB/s included
 * (https://cloud.google.com/compute/docs/disks/hd-types/hyperdisk-balanced, read 2026-11-25).
 */
export const diskLimits: Record<DiskType, { minGb: number; maxGb: number; iops?: [number, number]; throughputMibps?: [number, number] }> = {
  "pd-balanced": { minGb: 10, maxGb: 65536 },
  "pd-ssd": { minGb: 10, maxGb: 65536 },
  "hyperdisk-balanced": { minGb: 4, maxGb: 65536, iops: [3000, 160_000], throughputMibps: [140, 2400] },
};

/** Boot disk type for a family: the cheapest it can boot from. */
export function bootDiskType(family: MachineFamily): DiskType {
  return familyDiskTypes[family].includes("pd-balanced") ? "pd-balanced" : "hyperdisk-balanced";
}

export const gceCatalogSource = catalog.source;

type RegionEntry = { zones: string[]; machineTypes: Record<string, string> };
const regions = catalog.regions as Record<string, RegionEntry>;
const machineTypes = catalog.machineTypes as Record<string, { vcpus: number; memoryMib: number }>;

export const offeredRegions = Object.keys(regions);

export function isOfferedRegion(region: string): boolean {
  return region in regions;
}

export function zonesOf(region: string): string[] {
  return regions[region]?.zones ?? [];
}

export interface MachineShape {
  family: MachineFamily;
  vcpus: number;
  memoryMb: number;
}

/** The family of a machine type name, if it is one the stack offers. */
export function familyOf(machineType: string): MachineFamily | undefined {
  const prefix = /^(?:([a-z0-9]+)-)?custom-/.exec(machineType)?.[1] ?? (machineType.startsWith("custom-") ? "n1" : machineType.split("-")[0]);
  return (offeredFamilies as readonly string[]).includes(prefix) ? (prefix as MachineFamily) : undefined;
}

/** Families with custom machine types here: `<family>-custom-<vCPUs>-<MiB>[-ext]`. */
const customFamilies: readonly MachineFamily[] = ["e2", "n2", "n2d", "n4"];

interface CustomFamilyRules {
  vcpus?: { min?: number; max?: number; step?: number; stepAbove32?: number; list?: number[] };
  memoryPerVcpuMib?: number[];
  extendedMemory: boolean;
  maxExtendedMemoryMib?: number;
}

/**
 * Why Compute Engine would refuse a custom shape, or undefined (data/gce-custom-machine-types.json,
 * with its sources): vCPU counts per family, memory per vCPU unless extended, 256 MiB steps.
 */
export function customShapeProblem(family: MachineFamily, vcpus: number, memoryMib: number, extended: boolean): string | undefined {
  const rules = (customRules.families as Record<string, CustomFamilyRules>)[family];
  const gib = (mib: number) => `${mib / 1024} GB`;
  if (memoryMib % customRules.memoryStepMib !== 0) return `custom memory comes in steps of ${customRules.memoryStepMib} MiB (${memoryMib} is not one)`;
  const counts = rules.vcpus;
  if (counts?.list && !counts.list.includes(vcpus)) return `${family} custom types take ${counts.list.join(", ")} vCPUs`;
  if (counts?.min !== undefined && counts.max !== undefined) {
    const step = counts.stepAbove32 && vcpus > 32 ? counts.stepAbove32 : (counts.step ?? 1);
    if (vcpus < counts.min || vcpus > counts.max || vcpus % step !== 0) {
      return `${family} custom types take ${counts.min} to ${counts.max} vCPUs, in steps of ${counts.step}${counts.stepAbove32 ? ` (of ${counts.stepAbove32} above 32)` : ""}`;
    }
  }
  if (extended && !rules.extendedMemory) return `${family} has no extended memory (-ext)`;
  const [least, most] = rules.memoryPerVcpuMib ?? [0, Infinity];
  if (memoryMib < least * vcpus) return `${vcpus} vCPUs take at least ${gib(least * vcpus)} (${gib(least)} per vCPU)`;
  if (!extended && memoryMib > most * vcpus) {
    return `${vcpus} vCPUs take at most ${gib(most * vcpus)} (${gib(most)} per vCPU)${rules.extendedMemory ? `; more needs extended memory: ${family}-custom-${vcpus}-${memoryMib}-ext` : ""}`;
  }
  if (extended && rules.maxExtendedMemoryMib !== undefined && memoryMib > rules.maxExtendedMemoryMib) return `${family} takes at most ${gib(rules.maxExtendedMemoryMib)} with extended memory`;
  return undefined;
}

/**
 * Zones that lacked a machine type of their region in the per-zone export (data/gce-catalog.json
 * zoneGaps, dated in its source): of `zones`, those without `machineType`.
 */
export function zonesLacking(machineType: string, zones: string[]): string[] {
  const gaps = (catalog as { zoneGaps?: Record<string, string> }).zoneGaps ?? {};
  return zones.filter((zone) => gaps[zone]?.split(" ").includes(machineType));
}

/**
 * vCPUs and memory of a machine type in a region, or why it does not exist there.
 * Predefined types come from the catalog; custom types spell their size out.
 */
export function machineTypeIn(region: string, machineType: string): MachineShape | string {
  const family = familyOf(machineType);
  if (!family) return `not a machine family this stack offers (${offeredFamilies.join(", ")})`;
  const custom = /^([a-z0-9]+)-custom-(\d+)-(\d+)(-ext)?$/.exec(machineType);
  const offered = regions[region]?.machineTypes[family];
  if (!offered) return `the ${family} family is not offered in ${region}`;
  if (/^e2-custom-(micro|small|medium)-/.test(machineType)) return "a shared-core type (2 shared vCPUs, at most 8 GB): geth needs dedicated cores";
  if (custom || machineType.includes("-custom-")) {
    if (!customFamilies.includes(family)) return `${family} has no custom machine types (custom: ${customFamilies.join(", ")})`;
    if (!custom) return `a custom type is ${family}-custom-<vCPUs>-<memory in MiB>, with -ext for extended memory`;
    const [vcpus, memoryMb] = [Number(custom[2]), Number(custom[3])];
    const problem = customShapeProblem(family, vcpus, memoryMb, custom[4] !== undefined);
    return problem ?? { family, vcpus, memoryMb };
  }
  const shape = machineType.slice(family.length + 1);
  if (!offered.split(" ").includes(shape)) return `no such machine type in ${region}; ${family} there: ${offered.split(" ").map((s) => `${family}-${s}`).join(", ")}`;
  const spec = machineTypes[machineType];
  return { family, vcpus: spec.vcpus, memoryMb: spec.memoryMib };
}
