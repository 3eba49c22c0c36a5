/**
 * How the offline plan shows itself: a tree for people, one JSON document for policy
 * tools, and the files the stack renders, written out for review.
 */
import { filesFromMetadata } from "../../lib/render/bootMetadata";
import { Plan } from "./run";
import { PlannedResource } from "./recorder";

/** Inputs not worth a line in the tree: they repeat on every resource. */
const quietInputs = new Set(["labels"]);

/** Multi-line text (scripts, rendered files) shortened to its line count, at any depth. */
function summarize(value: unknown): unknown {
  if (typeof value === "string") {
    const lines = value.split("\n").length;
    return lines > 1 ? `<text, ${lines} lines>` : value;
  }
  if (Array.isArray(value)) return value.map(summarize);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarize(v)]));
  return value;
}

function inline(value: unknown): string {
  const short = summarize(value);
  return typeof short === "string" ? short : JSON.stringify(short);
}

function shortUrn(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function describe(resource: PlannedResource): string {
  const details = Object.entries(resource.inputs)
    .filter(([key]) => !quietInputs.has(key))
    .map(([key, value]) => `${key}=${inline(value)}`);
  if (resource.protect) details.push("[protected]");
  if (resource.dependsOn.length) details.push(`dependsOn=${resource.dependsOn.map(shortUrn).join(",")}`);
  return `${resource.type} ${resource.name}${details.length ? `  ${details.join("  ")}` : ""}`;
}

export function formatTree(plan: Plan): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const resource of plan.resources) {
    const siblings = children.get(resource.parent) ?? [];
    siblings.push(resource);
    children.set(resource.parent, siblings);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, prefix: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((resource, index) => {
      const last = index === list.length - 1;
      const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
      lines.push(`${prefix}${branch}${describe(resource)}`);
      walk(resource.urn, parent === undefined ? prefix : prefix + (last ? "   " : "│  "));
    });
  };
  walk(undefined, "");

  const custom = plan.resources.filter((resource) => resource.custom).length;
  lines.push("", `${custom} cloud resources in ${plan.resources.length - custom} components, stack ${plan.project}/${plan.stack}.`);
  const silent = plan.resources.filter(
    (resource) => resource.type === "gcp:monitoring/alertPolicy:AlertPolicy" && !(resource.inputs.notificationChannels as unknown[] | undefined)?.length,
  );
  if (silent.length) lines.push(`${silent.length} alert policies have no notification channel: they notify nobody (set defimon:alerts.emails).`);
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  if (plan.standInImages.length) {
    lines.push(`${plan.standInImages.length} images pinned to stand-in digests (published public tags; pulumi preview resolves the registry's): ${plan.standInImages.join(", ")}.`);
  }
  lines.push("", "Outputs:");
  for (const [key, value] of Object.entries(plan.outputs)) lines.push(`  ${key}: ${inline(value)}`);
  return lines.join("\n");
}

export function formatJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}

/**
 * Files the stack renders, by path relative to the --out folder: the services' `.env`,
 * and for each VM or group template, exactly what it boots with, read back from its planned metadata
 * (`<vm>/startup.sh`, `<vm>/shutdown.sh`, `<vm>/docker-compose.yml`, ...).
 */
export function renderedFiles(plan: Plan): Record<string, string> {
  const files: Record<string, string> = {};
  if (typeof plan.outputs.eventStreamEnv === "string") files[".env"] = plan.outputs.eventStreamEnv;
  // A VM, or the template a group's nodes boot from.
  for (const vm of plan.resources.filter((resource) => resource.type === "gcp:compute/instance:Instance" || resource.type === "gcp:compute/instanceTemplate:InstanceTemplate")) {
    const metadata = (vm.inputs.metadata ?? {}) as Record<string, unknown>;
    const scripts = { "startup.sh": metadata["startup-script"], "shutdown.sh": metadata["shutdown-script"] };
    for (const [file, text] of Object.entries({ ...scripts, ...filesFromMetadata(metadata) })) {
      if (typeof text === "string") files[`${vm.name}/${file}`] = text;
    }
  }
  return files;
}
