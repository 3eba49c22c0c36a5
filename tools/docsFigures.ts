/**
 * The figures the docs quote from the plans of the committed stack files (quotas, cost,
 * resource counts) and the dashboards the nodes provision, as Markdown blocks between markers:
 *
 *   <!-- figures:quotas -->  ...  <!-- /figures:quotas -->
 *
 * `npm run docs:figures` writes them; test/tools/docsFigures.test.ts fails while a page
 * holds other figures than the plans give, so a change that moves a figure moves the docs.
 */
import * as fs from "fs";
import * as path from "path";
import { parseEngineConfig } from "../lib/config";
import { nodeDashboards } from "../lib/render/grafanaDashboards";
import { estimateMonthlyCost } from "./cost";
import { loadProgram, Plan, projectRoot, runProgram } from "./plan/run";
import { quotaNeeds } from "./plan/quotas";
import { readStackConfigFiles } from "./plan/stackFiles";

/** The stacks the docs quote, in their columns' order. */
export const quotedStacks = ["dev", "prod"];

const money = (amount: number) => amount.toFixed(2);
const count = (amount: number) => amount.toLocaleString("en-US");

async function planOf(stack: string): Promise<{ plan: Plan; cost: ReturnType<typeof estimateMonthlyCost> }> {
  const files = readStackConfigFiles(projectRoot, stack);
  const config = parseEngineConfig(files.config);
  const plan = await runProgram({ ...files, program: () => loadProgram() });
  return { plan, cost: estimateMonthlyCost(plan, config.cost) };
}

/** A Markdown table: a header row, then rows, the first column left, the rest right. */
function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|---|${header.slice(1).map(() => "---:").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
}

/** Each block's Markdown, by name. */
export async function figureBlocks(): Promise<Record<string, string>> {
  const planned: Awaited<ReturnType<typeof planOf>>[] = [];
  for (const stack of quotedStacks) planned.push(await planOf(stack));
  const columns = quotedStacks.map((stack) => `${stack} (USD)`);

  // One row per kind of cost: a VM and a group's nodes are both "node VMs".
  const kind = (item: string) => item.replace(/^VM defimon-node-\w+$/, "node VMs").replace(/^boot disk of defimon-node-\w+$/, "node boot disks").replace(/^disks? (of )?defimon-node-\w+$/, "node chain-data disks");
  const items = [...new Set([...planned].reverse().flatMap(({ cost }) => cost.lines.map((line) => kind(line.item))))];
  const costRows = items.map((item) => [item, ...planned.map(({ cost }) => money(cost.lines.filter((line) => kind(line.item) === item).reduce((sum, line) => sum + line.monthly, 0)))]);
  costRows.push(["**total**", ...planned.map(({ cost }) => `**${money(cost.total)}**`)]);

  const needs = planned.map(({ plan }) => quotaNeeds(plan));
  const keys = [...new Set(needs.flatMap((list) => list.map((need) => `${need.metric} ${need.scope}`)))];
  const quotaRows = keys.map((key) => {
    const [metric, scope] = key.split(" ");
    return [`\`${metric}\` (${scope})`, ...needs.map((list) => count(list.find((need) => `${need.metric} ${need.scope}` === key)?.amount ?? 0))];
  });

  const resourceRows = [["resources", ...planned.map(({ plan }) => count(plan.resources.length))]];
  const region = planned[0].cost.region ?? "no region";
  return {
    cost: `${table(["item", ...columns], costRows)}\n\nRegion ${region}, prices of the catalog in \`tools/data/prices.json\`.`,
    quotas: table(["quota (where)", ...quotedStacks], quotaRows),
    resources: table(["", ...quotedStacks], resourceRows),
    dashboards: [
      "| Grafana dashboard (folder DEFIMON) | what it answers | panels |",
      "|---|---|---|",
      ...nodeDashboards.map((dashboard) => `| ${dashboard.title} | ${dashboard.answers} | ${dashboard.panels.map((panel) => panel.title.toLowerCase()).join("; ")} |`),
    ].join("\n"),
  };
}

const marker = /(<!-- figures:(\w+) -->)[\s\S]*?(<!-- \/figures:\2 -->)/g;

/** `text` with every marked block replaced by the plans' figures; unknown names are left as they are. */
export function withFigures(text: string, blocks: Record<string, string>): string {
  return text.replace(marker, (whole, open: string, name: string, close: string) => (name in blocks ? `${open}\n${blocks[name]}\n${close}` : whole));
}

/** The Markdown files that may hold figures: the README and docs/. */
export function documentationFiles(root: string = projectRoot): string[] {
  const docs = fs.readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".md"));
  return ["README.md", ...docs.map((file) => path.join("docs", file))];
}
