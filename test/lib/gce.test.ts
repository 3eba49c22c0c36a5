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
