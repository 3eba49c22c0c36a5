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
 * row per type and region) and zones.csv (NAME;REGION;STATUS;NEXT_MAINTENANCE;TURNDOWN_DATE).
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

export function buildCatalog(dir: string, provenance: { commit?: string; machineTypesDate?: string; zonesDate?: string }) {
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
  return {
    source: {
      what: "gcloud compute machine-types list and gcloud compute zones list, exported as CSV",
      repository: "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator (tools/machinetyperegion.csv, tools/zones.csv)",
      commit: provenance.commit ?? "unknown",
      machineTypesAsOf: provenance.machineTypesDate ?? "unknown",
      zonesAsOf: provenance.zonesDate ?? "unknown",
      note: "Machine types are listed per region, not per zone: a type offered in a region may be missing from one of its zones. Only the families this stack offers, predefined shapes.",
    },
    machineTypes: Object.fromEntries(Object.entries(machineTypes).sort(([a], [b]) => a.localeCompare(b))),
    regions,
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
    options: { commit: { type: "string" }, "machine-types-date": { type: "string" }, "zones-date": { type: "string" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: npm run catalog:gce -- DIR [--commit SHA] [--machine-types-date YYYY-MM-DD] [--zones-date YYYY-MM-DD]");
    process.exit(2);
  }
  const catalog = buildCatalog(positionals[0], { commit: values.commit, machineTypesDate: values["machine-types-date"], zonesDate: values["zones-date"] });
  const target = path.join(__dirname, "..", "..", "data", "gce-catalog.json");
  fs.writeFileSync(target, JSON.stringify(catalog, null, 1) + "\n");
  console.log(`wrote ${target}: ${Object.keys(catalog.regions).length} regions, ${Object.keys(catalog.machineTypes).length} machine types`);
}
