/**
 * Throw-away test stacks (`npm run stack:test`, the per-pull-request stacks): what they
 * may be called, and the config they get, derived from the dev stack file. Pure, so the
 * rules are unit-tested without a cloud account.
 */
import { readStackConfigFiles } from "./plan/stackFiles";

/** Test stack names: `pr-<number>` for pull requests, `test-<word>` for people. */
export const testStackPattern = /^(pr-[0-9]{1,7}|test-[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?)$/;

/** The stack file test stacks start from. */
export const baseStack = "dev";

export class RefusedStack extends Error {}

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

export interface ConfigValue {
  value: string;
  secret: boolean;
}

function objectValue(config: Record<string, string>, key: string): Record<string, unknown> {
  return config[key] ? (JSON.parse(config[key]) as Record<string, unknown>) : {};
}

/**
 * The dev stack's config for test stack `name`: unprotected, and with the names that are
 * unique per project (topic, subscription, service account) made unique per test stack,
 * so that test stacks and dev can live in one project. Everything else (preset, region,
 * the Geth host, the services) is dev's.
 */
export function testStackConfig(projectDir: string, name: string): Record<string, ConfigValue> {
  const files = readStackConfigFiles(projectDir, baseStack);
  if (files.secretKeys.length) {
    throw new RefusedStack(`${baseStack}'s stack file has secure values (${files.secretKeys.join(", ")}); a test stack cannot copy them`);
  }
  const config = { ...files.config };
  const pubsub = objectValue(config, "defimon:pubsub");
  const serviceAccount = objectValue(config, "defimon:serviceAccount");
  const labels = objectValue(config, "defimon:labels");

  config["defimon:protect"] = "false";
  config["defimon:pubsub"] = JSON.stringify({
    ...pubsub,
    topic: `${String(pubsub.topic ?? "defimon-events")}-${name}`,
    subscription: `${String(pubsub.subscription ?? "defimon-events-sub")}-${name}`,
  });
  // Account IDs are at most 30 characters: "dfm-" plus the test stack's name (<= 25).
  config["defimon:serviceAccount"] = JSON.stringify({ ...serviceAccount, accountId: `dfm-${name}` });
  config["defimon:labels"] = JSON.stringify({ ...labels, environment: "test", "test-stack": name });
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value, secret: false }]));
}

/** Test stacks last updated more than `days` days before `now`: what the scheduled clean-up destroys. */
export function staleTestStacks(stacks: { name: string; lastUpdate?: string }[], days: number, now: Date): string[] {
  const cutoff = now.getTime() - days * 86400_000;
  return stacks
    .filter((stack) => testStackPattern.test(stack.name))
    .filter((stack) => stack.lastUpdate !== undefined && Date.parse(stack.lastUpdate) < cutoff)
    .map((stack) => stack.name);
}
