import { createHash } from "crypto";

/**
 * Names and labels derived from the stack name. Stack names allow upper case and dots;
 * GCP resource names and label values do not.
 */

/** The region a zone lies in: "europe-west1-b" -> "europe-west1". */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}

/** The stack name as GCP names and label values accept it: lowercase, [a-z0-9-]. */
export function stackSlug(stack: string, maxLength = 63): string {
  const slug = stack.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
  return (slug || "stack").slice(0, maxLength);
}

/**
 * Labels put on every resource that takes them: the stack config's `defimon:labels`
 * plus two the stack owns, so that billing exports and `gcloud ... --filter` can tell
 * which stack made a resource.
 */
/** The labels the stack sets itself, over any of defimon:labels. */
function stackLabels(stack: string): Record<string, string> {
  return { "managed-by": "pulumi", "pulumi-stack": stackSlug(stack) };
}
export const stackLabelKeys = Object.keys(stackLabels(""));

export function resourceLabels(configLabels: Record<string, string>, stack: string): Record<string, string> {
  return { ...configLabels, ...stackLabels(stack) };
}

/**
 * `<prefix>-<stack slug>` within `maxLength`: as it is when it fits (dev and prod keep
 * their names), else the slug cut short plus 6 hex of the full stack name's hash, so that
 * two long stack names with a common start (test-feature-alpha-1, -2) never collide.
 */
export function stackScopedName(prefix: string, stack: string, maxLength: number): string {
  const slug = stackSlug(stack);
  const whole = `${prefix}-${slug}`;
  if (whole.length <= maxLength) return whole;
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 6);
  const room = maxLength - prefix.length - hash.length - 2;
  return `${prefix}-${slug.slice(0, room).replace(/-+$/, "")}-${hash}`;
}
