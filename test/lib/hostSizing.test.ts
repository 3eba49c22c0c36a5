import { isWholeInternet, parseCidr } from "../../lib/cidr";
import { machineShape } from "../../lib/machineTypes";
import { networkNames, networks, requiredMemoryMb } from "../../lib/networks";
import { presetNames, presets } from "../../lib/presets";

describe("machine types", () => {
  it.each([
    ["e2-standard-4", 4, 16384],
    ["n2-standard-8", 8, 32768],
    ["n2-highmem-8", 8, 65536],
    ["n2d-highcpu-16", 16, 16384],
    ["c3-standard-22", 22, 90112],
    ["custom-8-49152", 8, 49152],
    ["n2-custom-8-65536", 8, 65536],
  ])("%s has %i vCPUs and %i MiB", (type, vcpus, memoryMb) => {
    expect(machineShape(type)).toEqual({ vcpus, memoryMb });
  });

  it.each(["e2-micro", "f1-micro", "m1-ultramem-40", "n2-megamem-4", "n2-standard", "big"])("does not know %s", (type) => {
    expect(machineShape(type)).toBeUndefined();
  });
});

describe("CIDR ranges", () => {
  it.each(["203.0.113.0/24", "10.0.0.1/32", "2001:db8::/32", "0.0.0.0/0", "::/0"])("parses %s", (range) => {
    expect(parseCidr(range)).toBeDefined();
  });
  it.each(["203.0.113.0", "10.0.0.0/33", "2001:db8::/129", "300.1.1.1/8", "a.b.c.d/8", "10.0.0.0/ 8", ""])("rejects %p", (range) => {
    expect(parseCidr(range)).toBeUndefined();
  });
  it("knows the whole internet when it sees it", () => {
    expect(["0.0.0.0/0", "::/0", "10.0.0.0/0"].map(isWholeInternet)).toEqual([true, true, true]);
    expect(["0.0.0.0/1", "203.0.113.0/24"].map(isWholeInternet)).toEqual([false, false]);
  });
});

describe("node sizing presets", () => {
  it("runs testnets on small and standard, mainnet on high-load", () => {
    expect(presetNames.map((name) => presets[name].node.network)).toEqual(["hoodi", "sepolia", "mainnet"]);
  });

  it.each(presetNames)("gives %s enough disk and memory for its network", (name) => {
    const node = presets[name].node;
    expect(node.dataDiskSizeGb).toBeGreaterThanOrEqual(networks[node.network].minDataDiskGb);
    expect(machineShape(node.machineType)!.memoryMb).toBeGreaterThanOrEqual(requiredMemoryMb(node.network, node.gethCache));
  });

  it("meets geth's published minimum everywhere (4 cores, 8 GB) and its recommendation on mainnet (8 cores, 16 GB+)", () => {
    for (const name of presetNames) {
      const shape = machineShape(presets[name].node.machineType)!;
      expect(shape.vcpus).toBeGreaterThanOrEqual(4);
      expect(shape.memoryMb).toBeGreaterThanOrEqual(8192);
    }
    const mainnet = machineShape(presets["high-load"].node.machineType)!;
    expect(mainnet.vcpus).toBeGreaterThanOrEqual(8);
    expect(mainnet.memoryMb).toBeGreaterThanOrEqual(32768); // EIP-7870's full node: 32 GB
    expect(presets["high-load"].node.dataDiskType).toBe("pd-ssd");
  });

  it("has a checkpoint-sync endpoint and a geth flag for every network", () => {
    for (const name of networkNames) {
      expect(networks[name].checkpointSyncUrl).toMatch(/^https:\/\//);
      expect(networks[name].gethFlag).toBe(`--${name}`);
    }
  });
});
