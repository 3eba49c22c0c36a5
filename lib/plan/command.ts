/**
 * The offline plan command, `npm run plan -- --stack <name> [--json] [--out DIR] [--policy [--policy-config FILE]]`.
 *
 * Runs the real program for Pulumi.<name>.yaml under the Pulumi runtime's mocks and
 * prints what the stack would create. No cloud account or Pulumi CLI is needed.
 * --policy also evaluates the policy pack (policy/) against the planned resources.
 * Exit codes: 0 planned (and compliant), 1 the program or its configuration failed, or a
 * policy was violated, 2 bad arguments.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parseStackConfig, namespaceValues } from "../config";
import { estimateMonthlyCost, formatCost } from "../cost";
import { formatJson, formatTree, renderedFiles } from "./format";
import { evaluatePolicies, formatViolations } from "./policy";
import { formatQuotas, quotaNeeds } from "./quotas";
import { projectRoot, runPlan } from "./run";
import { readStackConfigFiles } from "./stackFiles";

const usage = "usage: npm run plan -- --stack <name> [--json] [--out DIR] [--policy [--policy-config FILE]]";

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIO: CommandIO = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** The plan command: returns the exit code. */
export async function planCommand(argv: string[], io: CommandIO = consoleIO): Promise<number> {
  const console = { log: io.out, error: io.err };
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        json: { type: "boolean", default: false },
        out: { type: "string" },
        policy: { type: "boolean", default: false },
        "policy-config": { type: "string" },
        help: { type: "boolean", default: false },
      },
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
  if (!args.json) {
    // The program accepted this config already; here it only yields the expected volume.
    const files = readStackConfigFiles(projectRoot, args.stack);
    const config = parseStackConfig(namespaceValues(files.config), { region: files.config["gcp:region"], zone: files.config["gcp:zone"] });
    console.log(`\n${formatCost(estimateMonthlyCost(plan, config.cost))}`);
    console.log(`\n${formatQuotas(quotaNeeds(plan))}`);
  }
  if (args.policy) {
    const config = args["policy-config"] ? JSON.parse(fs.readFileSync(args["policy-config"], "utf8")) : {};
    const violations = await evaluatePolicies(plan, config);
    const mandatory = violations.filter((violation) => violation.enforcement === "mandatory");
    const advisory = violations.filter((violation) => violation.enforcement === "advisory");
    if (advisory.length) console.error(`policy advisories (${advisory.length}):\n${formatViolations(advisory)}`);
    if (mandatory.length) {
      console.error(`policy violations (${mandatory.length}):\n${formatViolations(mandatory)}`);
      return 1;
    }
    if (!args.json) console.log("\npolicy pack defimon: no violations");
  }
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

