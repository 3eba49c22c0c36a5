/**
 * Disk performance against what the machine reaches (lib/diskPerformance.ts,
 * data/disk-performance.json): the plan says when most of a disk's is unreachable.
 */
import { diskGives, machineReaches, unreachablePerformance } from "../../lib/diskPerformance";
import { parseStackConfig } from "../../lib/config";

describe("disk performance", () => {
  it("reads Google's per-GiB rates and per-machine limits", () => {
    // Google's worked figures: pd-ssd 30 IOPS and 0.48 MiB/s a GiB above 6,000 and 240.
    expect(diskGives("pd-ssd", 2500)).toEqual([81000, 1440]);
    expect(diskGives("pd-balanced", 2500)).toEqual([18000, 840]);
    expect(diskGives("hyperdisk-balanced", 2500)).toBeUndefined();
    expect(machineReaches("n2", 8, "pd-ssd")).toEqual([15000, 800]);
    expect(machineReaches("n2", 16, "pd-ssd")).toEqual([25000, 1200]);
    expect(machineReaches("e2", 4, "pd-balanced")).toEqual([15000, 240]);
    expect(machineReaches("n4", 8, "pd-ssd")).toBeUndefined();
  });

  it("says so of prod's old 2,500 GB pd-ssd on an n2-highmem-8, and not of pd-balanced", () => {
    expect(unreachablePerformance("n2-highmem-8", "n2", 8, "pd-ssd", 2500)).toBe(
      "defimon:node.dataDiskSizeGb = 2500: a 2500 GB pd-ssd disk gives 81000 IOPS and 1440 MiB/s, and an n2-highmem-8 (8 vCPUs) reaches at most 15000 IOPS and 800 MiB/s of it: the rest is paid for and unreachable; size the disk for the chain, or take more vCPUs or a hyperdisk-balanced disk with provisioned performance (data/disk-performance.json)",
    );
    expect(unreachablePerformance("n2-highmem-8", "n2", 8, "pd-balanced", 2500)).toBeUndefined();
  });

  it("is a warning of the plan, and every preset plans without one", () => {
    expect(parseStackConfig({ preset: "high-load", node: { dataDiskType: "pd-ssd" } }).warnings).toEqual([expect.stringMatching(/^defimon:node\.dataDiskSizeGb = 2500: a 2500 GB pd-ssd disk gives 81000 IOPS/)]);
    for (const preset of ["small", "standard", "high-load"]) expect(parseStackConfig({ preset }).warnings.filter((line) => line.includes("dataDiskSizeGb"))).toEqual([]);
  });
});
