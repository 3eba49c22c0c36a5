/**
 * What a Persistent Disk gives and what its machine can take of it
 * (data/disk-performance.json, Google's per-GiB and per-machine limits): a disk sized
 * far beyond its machine's limit is paid for and unreachable, which the plan says.
 */
import performance from "../data/disk-performance.json";
import type { DiskType, MachineFamily } from "./gce";

type Pair = [iops: number, mibps: number];
type Row = { minVcpus: number } & Partial<Record<DiskType, Pair>>;

/** IOPS and MiB/s a disk of this type and size gives (baseline plus per GiB); undefined for Hyperdisk. */
export function diskGives(type: DiskType, sizeGb: number): Pair | undefined {
  const rates = (performance.perGib as Partial<Record<DiskType, { baselineIops: number; iopsPerGib: number; baselineMibps: number; mibpsPerGib: number }>>)[type];
  return rates && [rates.baselineIops + rates.iopsPerGib * sizeGb, Math.round(rates.baselineMibps + rates.mibpsPerGib * sizeGb)];
}

/** The most a VM of this family and vCPU count reaches on a disk type; undefined where the catalog has no row. */
export function machineReaches(family: MachineFamily, vcpus: number, type: DiskType): Pair | undefined {
  const rows = ((performance.machines as Partial<Record<MachineFamily, Row[]>>)[family] ?? []).filter((row) => row.minVcpus <= vcpus);
  return rows[rows.length - 1]?.[type];
}

/**
 * A line when the disk's performance is well beyond what its machine reaches (more than
 * half of its IOPS or throughput unreachable), else undefined.
 */
export function unreachablePerformance(machineType: string, family: MachineFamily, vcpus: number, type: DiskType, sizeGb: number): string | undefined {
  const gives = diskGives(type, sizeGb);
  const reaches = machineReaches(family, vcpus, type);
  if (!gives || !reaches) return undefined;
  const [iops, mibps] = gives;
  const [maxIops, maxMibps] = reaches;
  if (iops <= 2 * maxIops && mibps <= 2 * maxMibps) return undefined;
  return `defimon:node.dataDiskSizeGb = ${sizeGb}: a ${sizeGb} GB ${type} disk gives ${iops} IOPS and ${mibps} MiB/s, and an ${machineType} (${vcpus} vCPUs) reaches at most ${maxIops} IOPS and ${maxMibps} MiB/s of it: the rest is paid for and unreachable; size the disk for the chain, or take more vCPUs or a hyperdisk-balanced disk with provisioned performance (data/disk-performance.json)`;
}
