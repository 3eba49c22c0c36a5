/**
 * Throw-away test stacks with the Pulumi Automation API (needs the Pulumi CLI, a state
 * backend and Google Cloud credentials):
 *
 *   npm run stack:test -- up NAME [--smoke]    create from the dev config, deploy, optionally smoke-test
 *   npm run stack:test -- down NAME            destroy and remove the stack
 *   npm run stack:test -- sweep --older-than-days N   destroy test stacks not updated for N days
 *
 * NAME is pr-<number> or test-<name>; prod, dev and any protected stack are refused.
 * DEFIMON_SECRETS_PROVIDER (e.g. gcpkms://projects/.../cryptoKeys/pulumi) sets the new stack's secrets provider.
 */
import { parseArgs } from "util";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { minimumPulumiCli } from "../lib/pulumiCli";
import { projectRoot } from "../lib/plan/run";
import { stackNames } from "../lib/plan/stackFiles";
import { runSmokeTest } from "../lib/smokeTest";
import { checkTestStack, RefusedStack, staleTestStacks, testStackConfig } from "../lib/testStacks";

const usage = "usage: npm run stack:test -- up NAME [--smoke] | down NAME | sweep --older-than-days N";

/** The CLI, refused when older than Pulumi.yaml's requiredPulumiVersion (the Automation API checks it). */
let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(): Promise<PulumiCommand> {
  command ??= PulumiCommand.get({ version: new semver.SemVer(minimumPulumiCli(projectRoot)) });
  return command;
}

async function existingConfig(name: string): Promise<Record<string, { value: string }> | undefined> {
  const workspace = await LocalWorkspace.create({ workDir: projectRoot, pulumiCommand: await pulumiCommand() });
  const stacks = await workspace.listStacks();
  return stacks.some((stack) => stack.name === name) ? workspace.getAllConfig(name) : undefined;
}

async function selectChecked(name: string, create: boolean): Promise<Stack> {
  // The name first (no CLI needed), then the stack's own config, if it exists.
  checkTestStack(name, stackNames(projectRoot));
  checkTestStack(name, stackNames(projectRoot), await existingConfig(name));
  const args = { stackName: name, workDir: projectRoot };
  const options = { secretsProvider: process.env.DEFIMON_SECRETS_PROVIDER, pulumiCommand: await pulumiCommand() };
  return create ? LocalWorkspace.createOrSelectStack(args, options) : LocalWorkspace.selectStack(args, options);
}

async function up(name: string, smoke: boolean): Promise<void> {
  const stack = await selectChecked(name, true);
  await stack.setAllConfig(testStackConfig(projectRoot, name));
  const result = await stack.up({ onOutput: (line) => process.stdout.write(line) });
  console.log(`\n${name}: ${result.summary.result}`);
  if (smoke) {
    const outputs = result.outputs;
    const config = await stack.getAllConfig();
    const pubsub = JSON.parse(config["defimon:pubsub"]?.value ?? "{}");
    await runSmokeTest({
      projectId: String(config["gcp:project"]?.value),
      topic: outputs.topicName.value,
      subscription: outputs.subscriptionName.value,
      deadLetterSubscription: outputs.deadLetterSubscriptionName.value,
      maxDeliveryAttempts: Number(pubsub.maxDeliveryAttempts ?? 5),
    });
  }
}

async function down(name: string): Promise<void> {
  const stack = await selectChecked(name, false);
  await stack.destroy({ onOutput: (line) => process.stdout.write(line) });
  await stack.workspace.removeStack(name);
  console.log(`${name}: destroyed and removed`);
}

async function sweep(days: number): Promise<void> {
  const workspace = await LocalWorkspace.create({ workDir: projectRoot, pulumiCommand: await pulumiCommand() });
  const stale = staleTestStacks(await workspace.listStacks(), days, new Date());
  console.log(stale.length ? `stale test stacks: ${stale.join(", ")}` : `no test stack older than ${days} days`);
  for (const name of stale) await down(name);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { smoke: { type: "boolean", default: false }, "older-than-days": { type: "string" } },
  });
  const [command, name] = positionals;
  try {
    if (command === "up" && name) await up(name, values.smoke ?? false);
    else if (command === "down" && name) await down(name);
    else if (command === "sweep" && values["older-than-days"] && /^[0-9]+$/.test(values["older-than-days"])) await sweep(Number(values["older-than-days"]));
    else {
      console.error(usage);
      return 2;
    }
    return 0;
  } catch (error) {
    console.error(error instanceof RefusedStack ? error.message : error);
    return 1;
  }
}

main().then((code) => process.exit(code));
