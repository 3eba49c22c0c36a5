/**
 * The policy pack's configuration, in the form `pulumi preview --policy-pack policy
 * --policy-pack-config FILE` reads, so one file serves both: a JSON object whose keys are
 * `all` or a policy's name, each value an enforcement level or an object of the policy's
 * properties with an optional `enforcementLevel`:
 *
 *   {"all": "mandatory", "protected-stack-safeguards": {"protectedStacks": ["prod", "staging"]}}
 *
 * Checked as the CLI checks it (pulumi/pulumi sdk/go/common/resource/plugin/analyzer
 * config: parsePolicyPackConfig, extractEnforcementLevel, ValidatePolicyPackConfig against
 * each policy's configSchema; @pulumi/policy server.js reserves "all"), and stricter in two
 * places where the CLI passes a mistake silently: a key that names no policy of the pack,
 * and a property the policy's schema does not declare.
 */
import Ajv from "ajv";
import { policies } from "../../policy/rules";
import { quoted } from "../../lib/quoted";

/** apitype.EnforcementLevel's values. */
export const enforcementLevels = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof enforcementLevels)[number];

export interface PolicySettings {
  enforcementLevel?: EnforcementLevel;
  properties: Record<string, unknown>;
}
export type PolicyPackConfig = Record<string, PolicySettings>;

const policyNames = policies.map((policy) => policy.name);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** How deep arrays and objects nest in a parsed JSON value (iterative: no depth overflows it). */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > 10_000) return deepest;
    for (const inner of Object.values(node)) stack.push([inner, depth + 1]);
  }
  return deepest;
}

/** The file's text checked and parsed; `where` names it in every line ("--policy-config policy.json"). */
export function parsePolicyPackConfig(text: string, where: string): { config: PolicyPackConfig; problems: string[] } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { config: {}, problems: [`${where}: not JSON: ${(error as Error).message}`] };
  }
  if (depthOf(document) > 10_000) {
    return { config: {}, problems: [`${where}: nested deeper than 10,000 levels; Pulumi's JSON reader (Go's encoding/json) refuses it too`] };
  }
  if (!isObject(document)) {
    return { config: {}, problems: [`${where}: ${quoted(document)}: a JSON object keyed by policy name, e.g. {"protected-stack-safeguards": {"protectedStacks": ["prod"]}}`] };
  }
  const problems: string[] = [];
  const config: PolicyPackConfig = {};
  const level = (value: unknown, key: string): EnforcementLevel | undefined => {
    if (enforcementLevels.includes(value as EnforcementLevel)) return value as EnforcementLevel;
    problems.push(`${where}: ${key} = ${quoted(value)}: an enforcement level: ${enforcementLevels.join(", ")}`);
    return undefined;
  };
  for (const [key, value] of Object.entries(document)) {
    if (key !== "all" && !policyNames.includes(key)) {
      problems.push(`${where}: ${key} = ${quoted(value)}: not a policy of the pack; keys are all, ${policyNames.join(", ")}`);
      continue;
    }
    if (typeof value === "string") {
      config[key] = { enforcementLevel: level(value, key), properties: {} };
    } else if (isObject(value)) {
      const { enforcementLevel, ...properties } = value;
      config[key] = { enforcementLevel: enforcementLevel === undefined ? undefined : level(enforcementLevel, `${key}.enforcementLevel`), properties };
      if (key === "all" && Object.keys(properties).length) problems.push(`${where}: all = ${quoted(value)}: takes only an enforcement level`);
    } else {
      problems.push(`${where}: ${key} = ${quoted(value)}: an enforcement level or an object of the policy's settings`);
    }
  }
  const ajv = new Ajv({ allErrors: true });
  for (const policy of policies) {
    if (!policy.configSchema) continue;
    const properties = config[policy.name]?.properties ?? {};
    const validate = ajv.compile({ type: "object", ...policy.configSchema, additionalProperties: false });
    if (validate(properties)) continue;
    for (const error of validate.errors ?? []) {
      const field = error.keyword === "additionalProperties" ? String(error.params.additionalProperty) : error.instancePath.slice(1).replace(/\//g, ".");
      const known = Object.keys(policy.configSchema.properties).join(", ");
      const message = error.keyword === "additionalProperties" ? `not a setting of this policy; settings: ${known}` : error.message;
      const value = field.split(".").reduce<unknown>((node, part) => (isObject(node) || Array.isArray(node) ? (node as any)[part] : undefined), properties);
      problems.push(`${where}: ${policy.name}.${field} = ${quoted(value)}: ${message}`);
    }
  }
  return { config, problems };
}

/** A policy's level under the config: its own setting, else `all`'s, else the pack's. */
export function enforcementOf(config: PolicyPackConfig, name: string, packLevel: EnforcementLevel): EnforcementLevel {
  return config[name]?.enforcementLevel ?? config.all?.enforcementLevel ?? packLevel;
}
