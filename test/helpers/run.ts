/**
 * Test helpers: run a program (the whole stack, or one component) under the same
 * GCP-shaped mocks and recording monitor as the offline plan, and query the result.
 */
import { loadProgram, Plan, projectRoot, runProgram } from "../../tools/plan/run";
import { PlannedResource } from "../../tools/plan/recorder";
import { readStackConfigFiles } from "../../tools/plan/stackFiles";

export { Plan, PlannedResource };

/** Runs `declare` as the program of a stack with the given `defimon:` config. */
export function runComponents(declare: () => unknown, config: Record<string, unknown> = {}, stack = "test"): Promise<Plan> {
  const engineConfig = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [`defimon:${key}`, typeof value === "string" ? value : JSON.stringify(value)]),
  );
  // Whatever `declare` returns is not exported: a component as a stack output would be
  // serialized whole, raw provider outputs included.
  return runProgram({
    project: "defimon",
    stack,
    config: engineConfig,
    program: async () => {
      await declare();
    },
  });
}

/**
 * Plans a stack file end to end (the real index.ts, freshly loaded), optionally with
 * `defimon:` keys replaced as `pulumi config set` would.
 */
export function planStack(stack: string, overrides: Record<string, unknown> = {}): Promise<Plan> {
  const files = readStackConfigFiles(projectRoot, stack);
  for (const [key, value] of Object.entries(overrides)) {
    const fullKey = `defimon:${key}`;
    if (value === undefined) delete files.config[fullKey];
    else files.config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return runProgram({ ...files, program: () => loadProgram() });
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((resource) => resource.type === type);
}

export function named(plan: Plan, name: string): PlannedResource {
  const found = plan.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${plan.resources.map((r) => r.name).join(", ")}`);
  return found;
}

export function nameOf(urn: string): string {
  return urn.split("::").pop()!;
}
