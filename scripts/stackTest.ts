/**
 * Throw-away test stacks with the Pulumi Automation API (needs the Pulumi CLI, a state
 * backend and Google Cloud credentials):
 *
 *   npm run stack:test -- up NAME [--smoke]    create from the dev config, deploy, optionally smoke-test
 *   npm run stack:test -- down NAME            destroy and remove the stack (a missing stack is fine)
 *   npm run stack:test -- sweep --older-than-days N   destroy test stacks not updated for N days
 *
 * NAME is pr-<number> or test-<name>; prod, dev and any protected stack are refused.
 * DEFIMON_SECRETS_PROVIDER (e.g. gcpkms://projects/.../cryptoKeys/...) sets a new stack's
 * secrets provider; an existing stack's comes from its state, so any runner can destroy it.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { namespaceValues, parseStackConfig } from "../lib/config";
import { projectRoot } from "../lib/plan/run";
import { minimumPulumiCli } from "../lib/pulumiCli";
import { runSmokeTest } from "../lib/smokeTest";
import { checkTestStack, committedStackNames, destroyEach, RefusedStack, setAllConfigJson, stackFileFromState, staleTestStacks, testStackConfig } from "../lib/testStacks";

const usage = "usage: npm run stack:test -- up NAME [--smoke] | down NAME | sweep --older-than-days N";

/** The CLI, refused when older than Pulumi.yaml's requiredPulumiVersion (the Automation API checks it). */
let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(): Promise<PulumiCommand> {
  command ??= PulumiCommand.get({ version: new semver.SemVer(minimumPulumiCli(projectRoot)) });
  return command;
}

async function workspace(): Promise<LocalWorkspace> {
  return LocalWorkspace.create({ workDir: projectRoot, pulumiCommand: await pulumiCommand() });
}

/**
 * Whether the stack exists in the backend; if so, makes sure its stack file names its
 * secrets provider (rebuilt from the state on a runner that never saw the stack).
 */
async function prepareExisting(name: string): Promise<boolean> {
  const ws = await workspace();
  if (!(await ws.listStacks()).some((stack) => stack.name === name)) return false;
  const file = path.join(projectRoot, `Pulumi.${name}.yaml`);
  if (!fs.existsSync(file)) {
    const text = stackFileFromState(await ws.exportStack(name));
    if (text) fs.writeFileSync(file, text);
  }
  checkTestStack(name, committedStackNames(projectRoot), await ws.getAllConfig(name));
  return true;
}

async function up(name: string, smoke: boolean): Promise<void> {
  checkTestStack(name, committedStackNames(projectRoot));
  const config = testStackConfig(projectRoot, name);
  const exists = await prepareExisting(name);
  const args = { stackName: name, workDir: projectRoot };
  const options = { secretsProvider: process.env.DEFIMON_SECRETS_PROVIDER, pulumiCommand: await pulumiCommand() };
  const stack = exists ? await LocalWorkspace.selectStack(args, options) : await LocalWorkspace.createStack(args, options);
  await stack.setAllConfigJson(setAllConfigJson(config));
  const result = await stack.up({ onOutput: (line) => process.stdout.write(line) });
  console.log(`\n${name}: ${result.summary.result}`);
  if (smoke) {
    // The same schema as the program reads the config with: no second set of defaults.
    const parsed = parseStackConfig(namespaceValues(config), { region: config["gcp:region"], zone: config["gcp:zone"] });
    await runSmokeTest({
      projectId: String(config["gcp:project"]),
      topic: result.outputs.topicName.value,
      subscription: result.outputs.subscriptionName.value,
      deadLetterSubscription: result.outputs.deadLetterSubscriptionName.value,
      maxDeliveryAttempts: parsed.pubsub.maxDeliveryAttempts,
    });
  }
}

async function down(name: string): Promise<void> {
  checkTestStack(name, committedStackNames(projectRoot));
  if (!(await prepareExisting(name))) {
    // A pull request closed before its stack was created: nothing to destroy.
    console.log(`${name}: no such stack; nothing to destroy`);
    return;
  }
  const stack: Stack = await LocalWorkspace.selectStack({ stackName: name, workDir: projectRoot }, { pulumiCommand: await pulumiCommand() });
  await stack.destroy({ onOutput: (line) => process.stdout.write(line) });
  // Removes the stack and its Pulumi.<name>.yaml.
  await stack.workspace.removeStack(name);
  console.log(`${name}: destroyed and removed`);
}

/** Destroys every stale test stack it can; one that fails does not stop the others. */
async function sweep(days: number): Promise<number> {
  const stale = staleTestStacks(await (await workspace()).listStacks(), days, new Date());
  console.log(stale.length ? `stale test stacks: ${stale.join(", ")}` : `no test stack older than ${days} days`);
  const failed = await destroyEach(stale, down, (line) => console.error(line));
  return failed.length ? 1 : 0;
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
    else if (command === "sweep" && values["older-than-days"] && /^[0-9]+$/.test(values["older-than-days"])) return await sweep(Number(values["older-than-days"]));
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
