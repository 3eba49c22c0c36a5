/**
 * What `npm run stack:test` and `npm run restore:drill` share: the Pulumi CLI (checked
 * against Pulumi.yaml's requiredPulumiVersion), the workspace, a test stack's secrets
 * provider on a runner that never saw it, deploying with the policy pack, destroying a
 * test stack, and one line for whatever stops a command. Tooling: it needs the Pulumi CLI
 * and a cloud.
 */
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack, UpResult } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { ConfigError } from "../lib/config";
import { projectRoot } from "../tools/plan/run";
import { StackConfigError } from "../tools/plan/stackFiles";
import { minimumPulumiCli } from "../tools/pulumiCli";
import { baseStack, checkTestStack, committedStackNames, RefusedStack, stackFileFromState } from "../tools/testStacks";

export class CliUnavailable extends Error {}

/** The CLI, refused when older than Pulumi.yaml's requiredPulumiVersion (the Automation API checks it). */
let command: Promise<PulumiCommand> | undefined;
export function pulumiCommand(): Promise<PulumiCommand> {
  const minimum = minimumPulumiCli(projectRoot);
  command ??= PulumiCommand.get({ version: new semver.SemVer(minimum) }).catch((error: Error) => {
    const why = /ENOENT/.test(error.message) ? "there is no pulumi on PATH" : error.message.split("\n").find((line) => line.trim()) ?? "";
    throw new CliUnavailable(`the Pulumi CLI >= ${minimum} is needed (https://www.pulumi.com/docs/install/): ${why.trim()}`);
  });
  return command;
}

export async function workspace(): Promise<LocalWorkspace> {
  return LocalWorkspace.create({ workDir: projectRoot, pulumiCommand: await pulumiCommand() });
}

/**
 * Whether the stack exists in the backend; if so, makes sure its stack file names its
 * secrets provider (rebuilt from the state on a runner that never saw the stack).
 */
export async function prepareExisting(name: string): Promise<boolean> {
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

/** The policy pack every test stack and drill deploys under, as dev and prod do (policy/). */
export const policyPacks = [path.join(projectRoot, "policy")];

/**
 * A preview with the policy pack, then the update with it: the Automation API's `up` runs
 * `pulumi up --skip-preview`, so without the preview a mandatory violation would stop the
 * update only after the resources before it were made. `stack` is what LocalWorkspace gives.
 */
export async function deployWithPolicy(stack: Pick<Stack, "preview" | "up">, onOutput: (line: string) => void): Promise<UpResult> {
  await stack.preview({ policyPacks, diff: true, onOutput });
  return stack.up({ policyPacks, onOutput });
}

export async function down(name: string): Promise<void> {
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

/** One line for anything that stops the command: no stack trace. */
export function describeFailure(error: unknown): string {
  if (error instanceof RefusedStack) return error.message;
  if (error instanceof ConfigError) return `Pulumi.${baseStack}.yaml (the test stacks' base): ${error.problems.join(`\nPulumi.${baseStack}.yaml (the test stacks' base): `)}`;
  if (error instanceof StackConfigError) return error.problems.join("\n");
  if (error instanceof CliUnavailable) return error.message;
  // A failed pulumi command (CommandError): its own output, which says what failed.
  return (error instanceof Error ? error.message : String(error)).trim();
}

