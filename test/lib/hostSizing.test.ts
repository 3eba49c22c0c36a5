import { isWholeInternet, parseCidr } from "../../lib/cidr";
import { MachineShape, machineTypeIn } from "../../lib/gce";
import { networkNames, networks, requiredMemoryMb } from "../../lib/networks";
import { presetNames, presets } from "../../lib/presets";

/** The presets' machines as the dev and prod stacks' region offers them. */
const shapeOf = (type: string) => machineTypeIn("europe-west1", type) as MachineShape;

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
    expect(shapeOf(node.machineType).memoryMb).toBeGreaterThanOrEqual(requiredMemoryMb(node.network, node.gethCache));
  });

  it("meets geth's published minimum everywhere (4 cores, 8 GB) and its recommendation on mainnet (8 cores, 16 GB+)", () => {
    for (const name of presetNames) {
      const shape = shapeOf(presets[name].node.machineType);
      expect(shape.vcpus).toBeGreaterThanOrEqual(4);
      expect(shape.memoryMb).toBeGreaterThanOrEqual(8192);
    }
    const mainnet = shapeOf(presets["high-load"].node.machineType);
    expect(mainnet.vcpus).toBeGreaterThanOrEqual(8);
    expect(mainnet.memoryMb).toBeGreaterThanOrEqual(32768); // EIP-7870's full node: 32 GB
    // An SSD-backed type: pd-balanced, as an 8-vCPU N2 reaches no more of pd-ssd (data/disk-performance.json).
    expect(presets["high-load"].node.dataDiskType).toBe("pd-balanced");
  });

  it("has a checkpoint-sync endpoint and a geth flag for every network", () => {
    for (const name of networkNames) {
      expect(networks[name].checkpointSyncUrl).toMatch(/^https:\/\//);
      expect(networks[name].gethFlag).toBe(`--${name}`);
    }
  });
});
