import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCatalog } from "../../../scripts/catalog/gceCatalog";

const header = "NAME;CPUS;SHARED_CPU;MEMORY_GB;DEPRECATED;ZONE";

describe("npm run catalog:gce", () => {
  it("lists per zone the types of its region the per-zone export did not have there, for types that export knows", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-catalog-"));
    fs.writeFileSync(path.join(dir, "zones.csv"), "NAME;REGION;STATUS;NEXT_MAINTENANCE;TURNDOWN_DATE\nr1-a;r1;UP;;\nr1-b;r1;UP;;\n");
    fs.writeFileSync(path.join(dir, "machinetyperegion.csv"), `${header}\nn2-standard-8;8;False;32.00;;r1\nn2-standard-96;96;False;384.00;;r1\nc4-standard-8;8;False;30.00;;r1\n`);
    // The per-zone export: n2-standard-96 only in r1-b; c4 unknown to it (newer than the export).
    fs.writeFileSync(path.join(dir, "machinetypezone.csv"), `${header}\nn2-standard-8;8;False;32.00;;r1-a\nn2-standard-8;8;False;32.00;;r1-b\nn2-standard-96;96;False;384.00;;r1-b\n`);
    const catalog = buildCatalog(dir, { zoneTypesCommit: "abc", zoneTypesDate: "2023-05-02" });
    expect(catalog.zoneGaps).toEqual({ "r1-a": "n2-standard-96" });
    expect(catalog.source.zoneTypes).toBe("tools/machinetypezone.csv at abc, as of 2023-05-02");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
