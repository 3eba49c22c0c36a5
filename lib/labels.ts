/**
 * Labels put on every resource that takes them: the stack config's `defimon:labels`
 * plus two the stack owns, so that billing exports and `gcloud ... --filter` can tell
 * which stack made a resource.
 */
export function resourceLabels(configLabels: Record<string, string>, stack: string): Record<string, string> {
  // Stack names allow upper case and dots; label values do not.
  const stackLabel = stack.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63);
  return { ...configLabels, "managed-by": "pulumi", "pulumi-stack": stackLabel };
}
