/**
 * Runs the CrossGuard policy pack (policy/rules.ts) against an offline plan, the way the
 * Pulumi engine's analyzer calls it: each resource policy on each resource, each stack
 * policy on all of them. Only resources are judged, not the stack root.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { defaultPolicyConfig, DefimonPolicyConfig, policies } from "../../policy/rules";
import { Plan } from "./run";
import { PlannedResource } from "./recorder";

export interface Violation {
  policy: string;
  urn?: string;
  message: string;
}

class NotApplicable extends Error {}

function policyResource(resource: PlannedResource, byUrn: Map<string, PolicyResource>): PolicyResource {
  const isType = (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType === resource.type;
  return {
    type: resource.type,
    props: resource.inputs,
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
    asType: ((resourceClass: { __pulumiType?: string }) => (isType(resourceClass) ? resource.inputs : undefined)) as PolicyResource["asType"],
  } as PolicyResource;
}

export async function evaluatePolicies(plan: Plan, config: Partial<DefimonPolicyConfig> = {}): Promise<Violation[]> {
  const packConfig = { ...defaultPolicyConfig, ...config };
  const byUrn = new Map<string, PolicyResource>();
  const judged = plan.resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
  for (const resource of judged) byUrn.set(resource.urn, policyResource(resource, byUrn));
  const resources = [...byUrn.values()];

  const violations: Violation[] = [];
  const common = {
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => packConfig as unknown as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  const run = async (policy: string, body: (report: (message: string, urn?: string) => void) => unknown, urn?: string) => {
    try {
      await body((message, reportedUrn) => violations.push({ policy, urn: reportedUrn ?? urn, message }));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  };

  for (const policy of policies) {
    if ("validateStack" in policy) {
      await run(policy.name, (report) => (policy as StackValidationPolicy).validateStack({ ...common, resources }, report));
      continue;
    }
    const validations = (policy as ResourceValidationPolicy).validateResource;
    for (const validate of [validations ?? []].flat()) {
      for (const resource of resources) {
        await run(policy.name, (report) => validate({ ...common, ...resource, opts: resource.opts } as never, report), resource.urn);
      }
    }
  }
  // Stable order for people and diffs: by policy, then by resource.
  const order = new Map(policies.map((policy, index) => [policy.name, index]));
  return violations.sort((a, b) => order.get(a.policy)! - order.get(b.policy)! || (a.urn ?? "").localeCompare(b.urn ?? "") || a.message.localeCompare(b.message));
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `[${v.policy}] ${v.urn ? `${v.urn.split("::").pop()}: ` : ""}${v.message}`).join("\n");
}
