/**
 * Regenerates data/gce-catalog.json, the regions, zones and machine types the stack
 * offers, from `gcloud` exports (the semicolon-separated CSV files that
 * `gcloud compute {regions,zones,machine-types} list --format=csv[...]` writes, as
 * published in the public repository Cyclenerd/google-cloud-pricing-cost-calculator,
 * folder tools/). Tooling, not part of the stack.
 *
 *   npm run catalog:gce -- DIR [--commit SHA] [--machine-types-date YYYY-MM-DD] [--zones-date YYYY-MM-DD]
 *
 * DIR holds machinetyperegion.csv (NAME;CPUS;SHARED_CPU;MEMORY_GB;DEPRECATED;ZONE, one
 * row per type and region), zones.csv (NAME;REGION;STATUS;NEXT_MAINTENANCE;TURNDOWN_DATE)
 * and, optionally, machinetypezone.csv (the same columns, one row per type and zone): from
 * it, the zones that lack a type their region offers (zoneGaps; the plan warns of them).
 * With no exports at hand, run the two gcloud commands in the header of each CSV yourself.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { offeredFamilies } from "../../lib/gce";

interface Row {
  [column: string]: string;
}

function readCsv(file: string): Row[] {
  const [header, ...lines] = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  const columns = header.split(";");
  return lines.map((line) => Object.fromEntries(line.split(";").map((cell, index) => [columns[index], cell])));
}

const predefined = new RegExp(`^(${offeredFamilies.join("|")})-(standard|highmem|highcpu)-([0-9]+)$`);

export function buildCatalog(dir: string, provenance: { commit?: string; machineTypesDate?: string; zonesDate?: string; zoneTypesDate?: string; zoneTypesCommit?: string }) {
  const zones: Record<string, string[]> = {};
  for (const row of readCsv(path.join(dir, "zones.csv"))) {
    if (row.STATUS !== "UP" || row.TURNDOWN_DATE) continue;
    (zones[row.REGION] ??= []).push(row.NAME);
  }
  const machineTypes: Record<string, { vcpus: number; memoryMib: number }> = {};
  const byRegion: Record<string, Record<string, string[]>> = {};
  for (const row of readCsv(path.join(dir, "machinetyperegion.csv"))) {
    const match = predefined.exec(row.NAME);
    if (!match || row.DEPRECATED || row.SHARED_CPU !== "False") continue;
    machineTypes[row.NAME] = { vcpus: Number(row.CPUS), memoryMib: Math.round(Number(row.MEMORY_GB) * 1024) };
    const families = (byRegion[row.ZONE] ??= {});
    (families[match[1]] ??= []).push(`${match[2]}-${match[3]}`);
  }
  // A region is offered when both exports know it: its zones and its machine types.
  const regions = Object.fromEntries(
    Object.keys(byRegion)
      .filter((region) => zones[region]?.length)
      .sort()
      .map((region) => [
        region,
        {
          zones: zones[region].sort(),
          machineTypes: Object.fromEntries(Object.entries(byRegion[region]).sort().map(([family, shapes]) => [family, [...new Set(shapes)].sort(byShape).join(" ")])),
        },
      ]),
  );
  // Zones missing a type of their region, for the types the per-zone export knows in that region at all.
  const zoneFile = path.join(dir, "machinetypezone.csv");
  const zoneGaps: Record<string, string> = {};
  if (fs.existsSync(zoneFile)) {
    const inZone: Record<string, Set<string>> = {};
    for (const row of readCsv(zoneFile)) (inZone[row.ZONE] ??= new Set()).add(row.NAME);
    for (const entry of Object.values(regions)) {
      const types = Object.entries(entry.machineTypes).flatMap(([family, shapes]) => shapes.split(" ").map((shape) => `${family}-${shape}`));
      const known = types.filter((type) => entry.zones.some((zone) => inZone[zone]?.has(type)));
      for (const zone of entry.zones) {
        const missing = inZone[zone] ? known.filter((type) => !inZone[zone].has(type)) : [];
        if (missing.length) zoneGaps[zone] = missing.join(" ");
      }
    }
  }
  return {
    source: {
      what: "gcloud compute machine-types list and gcloud compute zones list, exported as CSV",
      repository: "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator (tools/machinetyperegion.csv, tools/zones.csv)",
      commit: provenance.commit ?? "unknown",
      machineTypesAsOf: provenance.machineTypesDate ?? "unknown",
      zonesAsOf: provenance.zonesDate ?? "unknown",
      ...(Object.keys(zoneGaps).length ? { zoneTypes: `tools/machinetypezone.csv at ${provenance.zoneTypesCommit ?? "unknown"}, as of ${provenance.zoneTypesDate ?? "unknown"}` } : {}),
      note: "Machine types are listed per region. zoneGaps names, per zone, the types of its region that the per-zone export did not list there; that export is older than the regional one (its families only), so the plan warns of a gap rather than refusing. Only the families this stack offers, predefined shapes.",
    },
    machineTypes: Object.fromEntries(Object.entries(machineTypes).sort(([a], [b]) => a.localeCompare(b))),
    regions,
    zoneGaps,
  };
}

function byShape(a: string, b: string): number {
  const [shapeA, cpuA] = a.split("-");
  const [shapeB, cpuB] = b.split("-");
  return shapeA.localeCompare(shapeB) || Number(cpuA) - Number(cpuB);
}

if (require.main === module) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { commit: { type: "string" }, "machine-types-date": { type: "string" }, "zones-date": { type: "string" }, "zone-types-date": { type: "string" }, "zone-types-commit": { type: "string" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: npm run catalog:gce -- DIR [--commit SHA] [--machine-types-date YYYY-MM-DD] [--zones-date YYYY-MM-DD] [--zone-types-commit SHA --zone-types-date YYYY-MM-DD]");
    process.exit(2);
  }
  const catalog = buildCatalog(positionals[0], { commit: values.commit, machineTypesDate: values["machine-types-date"], zonesDate: values["zones-date"], zoneTypesDate: values["zone-types-date"], zoneTypesCommit: values["zone-types-commit"] });
  const target = path.join(__dirname, "..", "..", "data", "gce-catalog.json");
  fs.writeFileSync(target, JSON.stringify(catalog, null, 1) + "\n");
  console.log(`wrote ${target}: ${Object.keys(catalog.regions).length} regions, ${Object.keys(catalog.machineTypes).length} machine types`);
}
