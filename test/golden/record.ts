/**
 * Records the single-host plans' digests again (test/golden/single-host-plans.json),
 * with the reason and what changed appended to the file's history:
 *
 *   node scripts/ts.js test/golden/record.ts "why the host's plan changed"
 *
 * Plans at the suite's clock (test/helpers/fixedClock.ts). test/replicas.test.ts then
 * holds every later change to these plans to the new record.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import "../helpers/fixedClock";
import { digestDiff, planDigest, PlanDigest } from "../helpers/planDigest";
import { planStack } from "../helpers/run";
import { Golden, goldenFile, singleHosts } from "./singleHosts";

async function main() {
  const reason = process.argv[2]?.trim();
  if (!reason) {
    console.error('usage: node scripts/ts.js test/golden/record.ts "why the single-host plans changed"');
    process.exit(2);
  }
  const golden: Golden = JSON.parse(fs.readFileSync(goldenFile, "utf8"));
  const changed: string[] = [];
  for (const [stack, overrides] of singleHosts) {
    const now = planDigest(await planStack(stack, overrides));
    changed.push(...digestDiff(golden[stack] as PlanDigest, now).map((line) => `${stack} ${line}`));
    golden[stack] = now;
  }
  const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  golden.history.push({ recordedAt: `after ${head}`, reason, changed });
  fs.writeFileSync(goldenFile, `${JSON.stringify(golden, null, 1)}\n`);
  console.log(changed.length ? changed.join("\n") : "no change");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
