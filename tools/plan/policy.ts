/**
 * Runs the CrossGuard policy pack (policy/rules.ts) against an offline plan, the way the
 * Pulumi engine's analyzer calls it: each resource policy on each resource, each stack
 * policy on all of them. Only resources are judged, not the stack root.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/rules";
import { enforcementOf, PolicyPackConfig } from "./policyConfig";
import { Plan } from "./run";
import { PlannedResource, unknownText } from "./recorder";

export interface Violation {
  policy: string;
  urn?: string;
  message: string;
  /** Mandatory violations fail the plan; advisory ones are reported only. */
  enforcement: "mandatory" | "advisory";
}

class NotApplicable extends Error {}

/** A policy read a value the plan does not know yet (an output of another resource during preview). */
class UnknownValue extends Error {}

/**
 * The resource's inputs as the policy SDK hands them over: wrapped so that reading an
 * unknown value throws (@pulumi/policy proxy.ts, unknownCheckingProxy). The SDK's server
 * then reports "can't run policy ... during preview" as an advisory diagnostic instead of
 * running the policy (server.ts): so a mandatory policy that meets an unknown does not
 * block a real preview, and does not block here either.
 */
function unknownChecking<T>(value: T, field = ""): T {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const inner = Reflect.get(target, key, receiver);
      const name = typeof key === "string" ? (field ? `${field}.${key}` : key) : field;
      if (inner === unknownText) throw new UnknownValue(`${name} is unknown`);
      return typeof key === "string" ? unknownChecking(inner, name) : inner;
    },
  }) as T;
}

function policyResource(resource: PlannedResource, byUrn: Map<string, PolicyResource>): PolicyResource {
  const isType = (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType === resource.type;
  return {
    type: resource.type,
    props: unknownChecking(resource.inputs),
    urn: resource.urn,
    name: resource.name,
    opts: {
      protect: resource.protect,
      ignoreChanges: resource.ignoreChanges ?? [],
      deleteBeforeReplace: resource.deleteBeforeReplace,
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: resource.additionalSecretOutputs ?? [],
    },
    get parent() {
      return resource.parent ? byUrn.get(resource.parent) : undefined;
    },
    get dependencies() {
      return resource.dependsOn.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    },
    get propertyDependencies() {
      return Object.fromEntries(Object.entries(resource.inputDependencies).map(([key, urns]) => [key, urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined)]));
    },
    isType: isType as PolicyResource["isType"],
    asType: ((resourceClass: { __pulumiType?: string }) => (isType(resourceClass) ? unknownChecking(resource.inputs) : undefined)) as PolicyResource["asType"],
  } as PolicyResource;
}

/** Runs every policy the config does not disable; `config` is the pack's (tools/plan/policyConfig.ts). */
export async function evaluatePolicies(plan: Plan, config: PolicyPackConfig = {}): Promise<Violation[]> {
  const byUrn = new Map<string, PolicyResource>();
  const judged = plan.resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
  for (const resource of judged) byUrn.set(resource.urn, policyResource(resource, byUrn));
  const resources = [...byUrn.values()];

  const violations: Violation[] = [];
  const common = (policy: string) => ({
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => (config[policy]?.properties ?? {}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  });
  const run = async (policy: string, body: (report: (message: string, urn?: string) => void) => unknown, urn?: string) => {
    const level = enforcementOf(config, policy, policies.find((p) => p.name === policy)?.enforcementLevel ?? "advisory");
    try {
      await body((message, reportedUrn) => violations.push({ policy, urn: reportedUrn ?? urn, message, enforcement: level === "advisory" ? "advisory" : "mandatory" }));
    } catch (error) {
      if (error instanceof UnknownValue) violations.push({ policy, urn, message: `can't run policy ${policy} during preview: ${error.message}`, enforcement: "advisory" });
      else if (!(error instanceof NotApplicable)) throw error;
    }
  };

  for (const policy of policies) {
    if (enforcementOf(config, policy.name, policy.enforcementLevel ?? "advisory") === "disabled") continue;
    if ("validateStack" in policy) {
      await run(policy.name, (report) => (policy as StackValidationPolicy).validateStack({ ...common(policy.name), resources }, report));
      continue;
    }
    const validations = (policy as ResourceValidationPolicy).validateResource;
    for (const validate of [validations ?? []].flat()) {
      for (const resource of resources) {
        await run(policy.name, (report) => validate({ ...common(policy.name), ...resource, opts: resource.opts } as never, report), resource.urn);
      }
    }
  }
  // Stable order for people and diffs: by policy, then by resource.
  const order = new Map(policies.map((policy, index) => [policy.name, index]));
  return violations.sort((a, b) => order.get(a.policy)! - order.get(b.policy)! || (a.urn ?? "").localeCompare(b.urn ?? "") || a.message.localeCompare(b.message));
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `[${v.policy}]${v.enforcement === "advisory" ? " (advisory)" : ""} ${v.urn ? `${v.urn.split("::").pop()}: ` : ""}${v.message}`).join("\n");
}
