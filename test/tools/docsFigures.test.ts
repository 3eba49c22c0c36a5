/**
 * The figures the docs quote from the plans of dev and prod are the plans' own: a change
 * to the stack that moves one fails here until `npm run docs:figures` moves the docs.
 */
import * as fs from "fs";
import * as path from "path";
import { documentationFiles, figureBlocks, withFigures } from "../../tools/docsFigures";

const root = path.resolve(__dirname, "..", "..");
let blocks: Record<string, string>;

beforeAll(async () => {
  blocks = await figureBlocks();
}, 60_000);

describe("the docs' figures", () => {
  it("are quoted: the quotas, the cost and the resource counts each stand somewhere", () => {
    const all = documentationFiles().map((file) => fs.readFileSync(path.join(root, file), "utf8")).join("\n");
    for (const name of Object.keys(blocks)) expect([name, all.includes(`<!-- figures:${name} -->`)]).toEqual([name, true]);
  });

  it.each(documentationFiles())("%s: match the plans (npm run docs:figures writes them)", (file) => {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    expect(withFigures(text, blocks)).toBe(text);
  });

  it("puts prod's two nodes in the quotas: twice the chain disk and boot disk of SSD", () => {
    // Dev: one e2 node, 400 GB of chain data and a 50 GB boot disk. Prod: 2 nodes of
    // n2-highmem-8 with 2,500 GB pd-balanced and a 50 GB boot disk each.
    expect(blocks.quotas).toContain("| `SSD_TOTAL_GB` (europe-west1) | 450 | 5,100 |");
    expect(blocks.quotas).toContain("| `N2_CPUS` (europe-west1) | 0 | 16 |");
  });
});
