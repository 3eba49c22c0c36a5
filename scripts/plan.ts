/**
 * npm run plan -- --stack <name> [--json] [--out DIR]
 *
 * Runs the real program for Pulumi.<name>.yaml under the Pulumi runtime's mocks and
 * prints what the stack would create. No cloud account or Pulumi CLI is needed.
 * Exit codes: 0 planned, 1 the program or its configuration failed, 2 bad arguments.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { formatJson, formatTree, renderedFiles } from "../lib/plan/format";
import { runPlan } from "../lib/plan/run";

const usage = "usage: npm run plan -- --stack <name> [--json] [--out DIR]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { stack: { type: "string" }, json: { type: "boolean", default: false }, out: { type: "string" }, help: { type: "boolean", default: false } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (!args.stack) {
    console.error(`--stack is required\n${usage}`);
    return 2;
  }

  let plan;
  try {
    plan = await runPlan({ stack: args.stack });
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }

  console.log(args.json ? formatJson(plan) : formatTree(plan));
  if (args.out) {
    for (const [file, content] of Object.entries(renderedFiles(plan))) {
      const target = path.join(args.out, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      if (!args.json) console.log(`wrote ${target}`);
    }
  }
  return 0;
}

main().then((code) => process.exit(code));
