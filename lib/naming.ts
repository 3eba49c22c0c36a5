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
export function resourceLabels(configLabels: Record<string, string>, stack: string): Record<string, string> {
  return { ...configLabels, "managed-by": "pulumi", "pulumi-stack": stackSlug(stack) };
}
