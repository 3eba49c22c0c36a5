/**
 * Throw-away test stacks (`npm run stack:test`, the per-pull-request stacks): what they
 * may be called, and the config they get, derived from the dev stack file. Pure, so the
 * rules are unit-tested without a cloud account.
 */
import { execFileSync } from "child_process";
import { parseArgs } from "util";
import { stringify } from "yaml";
import { readStackConfigFiles, stackNames } from "./plan/stackFiles";

/** Test stack names: `pr-<number>` for pull requests, `test-<word>` for people. */
export const testStackPattern = /^(pr-[0-9]{1,7}|test-[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?)$/;

/** The stack file test stacks start from. */
export const baseStack = "dev";

export class RefusedStack extends Error {}

/**
 * The stack files committed to the repository (git's view), not whatever lies in the
 * checkout: the Automation API writes Pulumi.<test-stack>.yaml itself, and that file must
 * not make the next `up` or `down` of the same test stack look like a committed one.
 * Outside a git checkout, every stack file counts.
 */
export function committedStackNames(projectDir: string): string[] {
  try {
    const tracked = execFileSync("git", ["ls-files", "--", "Pulumi.*.yaml", "Pulumi.*.yml"], { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return tracked
      .split("\n")
      .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file.trim())?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  } catch {
    return stackNames(projectDir);
  }
}

/**
 * Refuses anything that is not plainly a throw-away stack: names outside the pattern,
 * names of committed stack files (dev, prod), and stacks whose config protects them.
 */
export function checkTestStack(name: string, committedStacks: string[], existingConfig?: Record<string, { value: string }>): void {
  if (!testStackPattern.test(name)) {
    throw new RefusedStack(`refusing stack "${name}": test stacks are named pr-<number> or test-<name> (lowercase, at most 25 characters)`);
  }
  if (committedStacks.includes(name)) {
    throw new RefusedStack(`refusing stack "${name}": it has a committed stack file; test stacks never touch ${committedStacks.join(", ")}`);
  }
  if (existingConfig?.["defimon:protect"]?.value === "true") {
    throw new RefusedStack(`refusing stack "${name}": its config sets defimon:protect to true`);
  }
}

function objectValue(config: Record<string, string>, key: string): Record<string, unknown> {
  return config[key] ? (JSON.parse(config[key]) as Record<string, unknown>) : {};
}

/**
 * The dev stack's config for test stack `name`: unprotected, and with the names that are
 * unique per project (the topic, from which subscriptions, schema and sinks take theirs, and
 * the dataset; account IDs carry the stack's name) made unique per test stack,
 * so that test stacks and dev can live in one project. `project` (CI: the test project,
 * where pull requests' stacks live and nothing else) replaces dev's. Everything else
 * (preset, region, the Geth host, the services) is dev's. Values as the engine hands them over: text, JSON
 * text for objects.
 */
export function testStackConfig(projectDir: string, name: string, project?: string): Record<string, string> {
  const files = readStackConfigFiles(projectDir, baseStack);
  if (files.secretKeys.length) {
    throw new RefusedStack(`${baseStack}'s stack file has secure values (${files.secretKeys.join(", ")}); a test stack cannot copy them`);
  }
  const config = { ...files.config };
  const pubsub = objectValue(config, "defimon:pubsub");
  const labels = objectValue(config, "defimon:labels");

  config["defimon:protect"] = "false";
  if (project) config["gcp:project"] = project;
  // Per-project names made unique: the consumers' subscriptions, the schema, the sinks'
  // subscriptions and the archive bucket all derive from the topic's name.
  config["defimon:pubsub"] = JSON.stringify({ ...pubsub, topic: `${String(pubsub.topic ?? "defimon-events")}-${name}` });
  const analytics = objectValue(config, "defimon:analytics");
  config["defimon:analytics"] = JSON.stringify({ ...analytics, dataset: `${String(analytics.dataset ?? "defimon_events")}_${name.replace(/-/g, "_")}` });
  config["defimon:labels"] = JSON.stringify({ ...labels, environment: "test", "test-stack": name });
  return config;
}

/**
 * Config in the form `pulumi config set-all --json` reads (the Automation API's
 * setAllConfigJson; pkg/cmd/pulumi/config/config.go, configValueJSON: {value, objectValue,
 * secret}). Objects go in as objects (`objectValue`), so the CLI stores YAML maps that pass
 * the project's `type: object` declarations; setAllConfig would store JSON text, which the
 * CLI then refuses ("must be of type 'object'").
 */
export function setAllConfigJson(config: Record<string, string>): string {
  const entries = Object.entries(config).map(([key, text]) => {
    const structured = /^[[{]/.test(text) ? (JSON.parse(text) as unknown) : undefined;
    return [key, structured === undefined ? { value: text, secret: false } : { value: text, objectValue: structured, secret: false }];
  });
  return JSON.stringify(Object.fromEntries(entries));
}

/**
 * The stack file that carries a stack's secrets provider, rebuilt from its exported state
 * (`deployment.secrets_providers`: {type: "cloud", state: {url, encryptedkey}}, as
 * pkg/secrets/cloud/manager.go writes it; the stack file's `encryptedkey` is the same
 * base64). On a fresh CI runner the test stack's Pulumi.<stack>.yaml does not exist, and
 * without it the CLI falls back to the passphrase provider and fails; with it, `down`
 * and the sweep work from any runner. Undefined when the state uses no cloud provider.
 */
export function stackFileFromState(exported: { deployment?: { secrets_providers?: { type?: string; state?: { url?: string; encryptedkey?: string } } } }): string | undefined {
  const provider = exported.deployment?.secrets_providers;
  if (provider?.type !== "cloud" || !provider.state?.url || !provider.state.encryptedkey) return undefined;
  return stringify({ secretsprovider: provider.state.url, encryptedkey: provider.state.encryptedkey });
}

/**
 * Test stacks last updated more than `days` days before `now`, and not being updated: what
 * the scheduled clean-up destroys. A stack with no finished update yet (being created) is
 * never stale.
 */
export function staleTestStacks(stacks: { name: string; lastUpdate?: string; updateInProgress?: boolean }[], days: number, now: Date): string[] {
  const cutoff = now.getTime() - days * 86400_000;
  return stacks
    .filter((stack) => testStackPattern.test(stack.name) && !stack.updateInProgress)
    .filter((stack) => stack.lastUpdate !== undefined && Date.parse(stack.lastUpdate) < cutoff)
    .map((stack) => stack.name);
}

/**
 * Destroys each stack in turn; one that fails does not stop the others. Returns the names
 * that failed, after reporting each (the sweep then exits non-zero).
 */
export async function destroyEach(names: string[], destroy: (name: string) => Promise<void>, report: (line: string) => void): Promise<string[]> {
  const failed: string[] = [];
  for (const name of names) {
    try {
      await destroy(name);
    } catch (error) {
      failed.push(name);
      report(`${name}: not destroyed: ${String((error as Error)?.message ?? error).split("\n")[0]}`);
    }
  }
  if (failed.length) report(`sweep: ${failed.length} of ${names.length} stale stacks not destroyed: ${failed.join(", ")}`);
  return failed;
}

/** Why `name` cannot be a test stack, as argument problems (none when it can). */
export function testStackProblems(name: string, committedStacks: string[]): string[] {
  try {
    checkTestStack(name, committedStacks);
    return [];
  } catch (error) {
    if (!(error instanceof RefusedStack)) throw error;
    return [error.message];
  }
}

export const stackTestUsage = "usage: npm run stack:test -- up NAME [--smoke] | down NAME [--older-than-days N] | sweep --older-than-days N | stale --older-than-days N";

export type StackTestArgs =
  | { command: "up"; name: string; smoke: boolean }
  | { command: "down"; name: string; olderThanDays?: number }
  | { command: "sweep" | "stale"; olderThanDays: number };

const commands = ["up", "down", "sweep", "stale"];

/**
 * `npm run stack:test`'s arguments checked, every problem at once (exit 2 for them). Days
 * start at 1: a sweep of stacks updated today would take a pull request's stack from under
 * its author.
 */
export function parseStackTestArgs(argv: string[], committedStacks: string[]): StackTestArgs | { problems: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { smoke: { type: "boolean" }, "older-than-days": { type: "string" } } });
  } catch (error) {
    return { problems: [(error as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, "")] };
  }
  const { positionals, values } = parsed;
  const [command, name, ...extra] = positionals;
  const problems: string[] = [];
  const days = values["older-than-days"];
  const listing = command === "sweep" || command === "stale";
  if (!commands.includes(command)) {
    problems.push(`command = ${JSON.stringify(command ?? null)}: one of ${commands.join(", ")}`);
  } else if (!listing) {
    if (!name) problems.push(`NAME: required for ${command} (pr-<number> or test-<name>)`);
    else problems.push(...testStackProblems(name, committedStacks));
  }
  if ((listing || days !== undefined) && !(/^[0-9]{1,5}$/.test(days ?? "") && Number(days) >= 1)) {
    problems.push(`--older-than-days = ${JSON.stringify(days ?? null)}: a whole number of days (1 to 99999)`);
  }
  if (values.smoke && command !== "up") problems.push("--smoke: only with up");
  if (days !== undefined && command === "up") problems.push("--older-than-days: only with down, sweep or stale");
  const surplus = listing ? positionals.slice(1) : extra;
  if (surplus.length) problems.push(`unexpected argument(s) ${surplus.map((a) => JSON.stringify(a)).join(", ")}`);
  if (problems.length) return { problems };
  if (listing) return { command: command as "sweep" | "stale", olderThanDays: Number(days) };
  if (command === "up") return { command, name: name!, smoke: values.smoke ?? false };
  return days === undefined ? { command: "down", name: name! } : { command: "down", name: name!, olderThanDays: Number(days) };
}
