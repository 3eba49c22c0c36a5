import { bootDiskType, familyDiskTypes, familyOf, isOfferedRegion, machineTypeIn, offeredFamilies, zonesOf } from "../../lib/gce";

describe("the Compute Engine catalog (data/gce-catalog.json)", () => {
  // Figures Google publishes for these types (machine-resource pages), not derived from their names.
  it.each([
    ["e2-standard-4", 4, 16384],
    ["n2-standard-8", 8, 32768],
    ["n2-highmem-8", 8, 65536],
    ["n2d-highcpu-16", 16, 16384],
    ["c3-standard-22", 22, 90112],
    ["c4-standard-8", 8, 30720],
    ["n2-custom-8-65536", 8, 65536],
  ])("%s in europe-west1 has %i vCPUs and %i MiB", (type, vcpus, memoryMb) => {
    expect(machineTypeIn("europe-west1", type)).toMatchObject({ vcpus, memoryMb });
  });

  it.each([
    ["n2-standard-7", /no such machine type in europe-west1; n2 there: n2-highcpu-2/],
    ["e2-micro", /no such machine type/],
    ["n2-megamem-4", /no such machine type/],
    ["m1-ultramem-40", /not a machine family this stack offers/],
    ["c4a-standard-8", /not a machine family this stack offers/],
    ["custom-8-49152", /not a machine family this stack offers/],
    ["c3-custom-8-65536", /c3 has no custom machine types/],
  ])("refuses %s", (type, reason) => {
    expect(machineTypeIn("europe-west1", type)).toMatch(reason);
  });

  it("knows regions and their zones, and nothing else", () => {
    expect(zonesOf("europe-west1")).toEqual(["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
    expect(isOfferedRegion("europe-west1")).toBe(true);
    expect(isOfferedRegion("europe-west99")).toBe(false);
    expect(zonesOf("europe-west99")).toEqual([]);
    expect(machineTypeIn("europe-west99", "n2-standard-8")).toMatch(/not offered in europe-west99/);
  });

  it("sends Hyperdisk-only families to hyperdisk-balanced, boot disk included", () => {
    for (const family of ["c4", "c4d", "n4", "n4d"] as const) {
      expect(familyDiskTypes[family]).toEqual(["hyperdisk-balanced"]);
      expect(bootDiskType(family)).toBe("hyperdisk-balanced");
    }
    expect(bootDiskType("n2")).toBe("pd-balanced");
    expect(familyDiskTypes.c3).toContain("pd-ssd");
    expect(offeredFamilies.map((family) => familyOf(`${family}-standard-8`))).toEqual([...offeredFamilies]);
  });
});

describe("custom machine types (data/gce-custom-machine-types.json)", () => {
  it.each([
    { type: "n2-custom-36-147456", shape: { vcpus: 36, memoryMb: 147456 } },
    { type: "n2-custom-8-131072-ext", shape: { vcpus: 8, memoryMb: 131072 } },
    { type: "n2d-custom-48-196608", shape: { vcpus: 48, memoryMb: 196608 } },
    { type: "e2-custom-2-4096", shape: { vcpus: 2, memoryMb: 4096 } },
  ])("accepts $type", ({ type, shape }) => {
    expect(machineTypeIn("europe-west1", type)).toMatchObject(shape);
  });

  it.each([
    { type: "n2-custom-34-65536", reason: "n2 custom types take 2 to 128 vCPUs, in steps of 2 (of 4 above 32)" },
    { type: "n2-custom-8-2048", reason: "8 vCPUs take at least 4 GB (0.5 GB per vCPU)" },
    { type: "n2-custom-8-655360-ext", reason: "n2 takes at most 624 GB with extended memory" },
    { type: "e2-custom-micro-2048", reason: "a shared-core type (2 shared vCPUs, at most 8 GB): geth needs dedicated cores" },
    { type: "n2-custom-8", reason: "a custom type is n2-custom-<vCPUs>-<memory in MiB>, with -ext for extended memory" },
  ])("refuses $type", ({ type, reason }) => {
    expect(machineTypeIn("europe-west1", type)).toBe(reason);
  });
});
