/**
 * A plan reduced to one digest per resource (its whole planned record: type, parent,
 * inputs, options) and per stack output, so a test can say which resources and outputs
 * differ from a recorded plan without keeping the plan itself in the tree.
 */
import { createHash } from "crypto";
import { Plan } from "../../tools/plan/run";

export interface PlanDigest {
  resources: Record<string, string>;
  outputs: Record<string, string>;
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

const digest = (value: unknown) => createHash("sha256").update(canonical(value)).digest("hex").slice(0, 16);

export function planDigest(plan: Plan): PlanDigest {
  return {
    resources: Object.fromEntries(plan.resources.map((resource) => [resource.urn, digest(resource)]).sort(([a], [b]) => a.localeCompare(b))),
    outputs: Object.fromEntries(Object.entries(plan.outputs).map(([key, value]) => [key, digest(value)]).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** What differs between two digests: resources and outputs added, removed or changed. */
export function digestDiff(before: PlanDigest, after: PlanDigest): string[] {
  const lines: string[] = [];
  for (const kind of ["resources", "outputs"] as const) {
    const keys = new Set([...Object.keys(before[kind]), ...Object.keys(after[kind])]);
    for (const key of [...keys].sort()) {
      if (!(key in after[kind])) lines.push(`${kind}: removed ${key}`);
      else if (!(key in before[kind])) lines.push(`${kind}: added ${key}`);
      else if (before[kind][key] !== after[kind][key]) lines.push(`${kind}: changed ${key}`);
    }
  }
  return lines;
}
