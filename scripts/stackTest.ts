/**
 * Throw-away test stacks with the Pulumi Automation API (needs the Pulumi CLI, a state
 * backend and Google Cloud credentials):
 *
 *   npm run stack:test -- up NAME [--smoke]    create from the dev config, deploy (policy pack), optionally smoke-test
 *   npm run stack:test -- down NAME [--older-than-days N]   destroy and remove the stack (a missing
 *                                              stack is fine; with N, only if not updated for N days)
 *   npm run stack:test -- sweep --older-than-days N   destroy test stacks not updated for N days
 *   npm run stack:test -- stale --older-than-days N   print them, as a JSON list (the clean-up workflow)
 *
 * NAME is pr-<number> or test-<name>; prod, dev and any protected stack are refused.
 * DEFIMON_SECRETS_PROVIDER (e.g. gcpkms://projects/.../cryptoKeys/...) sets a new stack's
 * secrets provider; an existing stack's comes from its state, so any runner can destroy it.
 * DEFIMON_TEST_PROJECT (CI: the test project) is the project a new or updated stack
 * deploys to, in place of dev's.
 */
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseEngineConfig } from "../lib/config";
import { projectRoot } from "../tools/plan/run";
import { runSmokeTest } from "../tools/smokeTest";
import { checkTestStack, committedStackNames, parseStackTestArgs, stackTestUsage, destroyEach, setAllConfigJson, staleTestStacks, testStackConfig } from "../tools/testStacks";
import { deployWithPolicy, describeFailure, down, prepareExisting, pulumiCommand, workspace } from "./testStackOps";


async function up(name: string, smoke: boolean): Promise<void> {
  checkTestStack(name, committedStackNames(projectRoot));
  // The same schema and checks the program reads its config with, before anything runs.
  const config = testStackConfig(projectRoot, name, process.env.DEFIMON_TEST_PROJECT || undefined);
  const parsed = parseEngineConfig(config);
  const stackFile = path.join(projectRoot, `Pulumi.${name}.yaml`);
  try {
    const exists = await prepareExisting(name);
    const args = { stackName: name, workDir: projectRoot };
    const options = { secretsProvider: process.env.DEFIMON_SECRETS_PROVIDER, pulumiCommand: await pulumiCommand() };
    const stack = exists ? await LocalWorkspace.selectStack(args, options) : await LocalWorkspace.createStack(args, options);
    await stack.setAllConfigJson(setAllConfigJson(config));
    const result = await deployWithPolicy(stack, (line) => process.stdout.write(line));
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

async function stale(days: number): Promise<string[]> {
  return staleTestStacks(await (await workspace()).listStacks(), days, new Date());
}

/** Destroys every stale test stack it can; one that fails does not stop the others. */
async function sweep(days: number): Promise<number> {
  const names = await stale(days);
  console.log(names.length ? `stale test stacks: ${names.join(", ")}` : `no test stack older than ${days} days`);
  const failed = await destroyEach(names, down, (line) => console.error(line));
  return failed.length ? 1 : 0;
}

/** `down`, but only if the stack is still stale: judged again once its concurrency group is held. */
async function downIfStale(name: string, days: number): Promise<void> {
  if ((await stale(days)).includes(name)) return down(name);
  console.log(`${name}: updated within ${days} days, being updated, or gone; left alone`);
}

async function main(): Promise<number> {
  const args = parseStackTestArgs(process.argv.slice(2), committedStackNames(projectRoot));
  if ("problems" in args) {
    console.error(`${args.problems.join("\n")}\n${stackTestUsage}`);
    return 2;
  }
  try {
    if (args.command === "up") await up(args.name, args.smoke);
    else if (args.command === "down") await (args.olderThanDays === undefined ? down(args.name) : downIfStale(args.name, args.olderThanDays));
    else if (args.command === "stale") console.log(JSON.stringify(await stale(args.olderThanDays)));
    else return await sweep(args.olderThanDays);
    return 0;
  } catch (error) {
    console.error(describeFailure(error));
    return 1;
  }
}

// Exit once stdout and stderr have taken everything.
main().then((code) => process.stdout.write("", () => process.exit(code)));
