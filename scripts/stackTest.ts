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
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { ConfigError, parseEngineConfig } from "../lib/config";
import { StackConfigError } from "../lib/plan/stackFiles";
import { projectRoot } from "../lib/plan/run";
import { minimumPulumiCli } from "../lib/pulumiCli";
import { runSmokeTest } from "../lib/smokeTest";
import { baseStack, checkTestStack, committedStackNames, parseStackTestArgs, stackTestUsage, destroyEach, RefusedStack, setAllConfigJson, stackFileFromState, staleTestStacks, testStackConfig } from "../lib/testStacks";


class CliUnavailable extends Error {}

/** The CLI, refused when older than Pulumi.yaml's requiredPulumiVersion (the Automation API checks it). */
let command: Promise<PulumiCommand> | undefined;
function pulumiCommand(): Promise<PulumiCommand> {
  const minimum = minimumPulumiCli(projectRoot);
  command ??= PulumiCommand.get({ version: new semver.SemVer(minimum) }).catch((error: Error) => {
    const why = /ENOENT/.test(error.message) ? "there is no pulumi on PATH" : error.message.split("\n").find((line) => line.trim()) ?? "";
    throw new CliUnavailable(`the Pulumi CLI >= ${minimum} is needed (https://www.pulumi.com/docs/install/): ${why.trim()}`);
  });
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
  // The same schema and checks the program reads its config with, before anything runs.
  const config = testStackConfig(projectRoot, name);
  const parsed = parseEngineConfig(config);
  const stackFile = path.join(projectRoot, `Pulumi.${name}.yaml`);
  try {
    const exists = await prepareExisting(name);
    const args = { stackName: name, workDir: projectRoot };
    const options = { secretsProvider: process.env.DEFIMON_SECRETS_PROVIDER, pulumiCommand: await pulumiCommand() };
    const stack = exists ? await LocalWorkspace.selectStack(args, options) : await LocalWorkspace.createStack(args, options);
    await stack.setAllConfigJson(setAllConfigJson(config));
    const result = await stack.up({ onOutput: (line) => process.stdout.write(line) });
    console.log(`\n${name}: ${result.summary.result}`);
    if (smoke) {
      const subscriptions = result.outputs.subscriptions.value as Record<string, { subscription: string; deadLetter: string }>;
      const [first] = Object.keys(subscriptions);
      await runSmokeTest({
        projectId: String(config["gcp:project"]),
        topic: result.outputs.topicName.value,
        subscriptions: Object.fromEntries(Object.entries(subscriptions).map(([consumer, s]) => [consumer, s.subscription])),
        deadLetter: { subscription: subscriptions[first].subscription, deadLetterSubscription: subscriptions[first].deadLetter, maxDeliveryAttempts: parsed.consumers[first].maxDeliveryAttempts },
      });
    }
  } finally {
    // The Automation API writes the stack file into the checkout; the stack's secrets
    // provider lives in its state (prepareExisting rebuilds the file), and its config is
    // made anew from dev's on every `up`. Nothing is left behind.
    fs.rmSync(stackFile, { force: true });
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

/** One line for anything that stops the command: no stack trace. */
function describeFailure(error: unknown): string {
  if (error instanceof RefusedStack) return error.message;
  if (error instanceof ConfigError) return `Pulumi.${baseStack}.yaml (the test stacks' base): ${error.problems.join(`\nPulumi.${baseStack}.yaml (the test stacks' base): `)}`;
  if (error instanceof StackConfigError) return error.problems.join("\n");
  if (error instanceof CliUnavailable) return error.message;
  // A failed pulumi command (CommandError): its own output, which says what failed.
  return (error instanceof Error ? error.message : String(error)).trim();
}

async function main(): Promise<number> {
  const args = parseStackTestArgs(process.argv.slice(2), committedStackNames(projectRoot));
  if ("problems" in args) {
    console.error(`${args.problems.join("\n")}\n${stackTestUsage}`);
    return 2;
  }
  try {
    if (args.command === "up") await up(args.name, args.smoke);
    else if (args.command === "down") await down(args.name);
    else return await sweep(args.olderThanDays);
    return 0;
  } catch (error) {
    console.error(describeFailure(error));
    return 1;
  }
}

// Exit once stdout and stderr have taken everything.
main().then((code) => process.stdout.write("", () => process.exit(code)));
