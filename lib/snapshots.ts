/**
 * The chain snapshots a new node's disk is seeded from. The schedule labels every
 * snapshot it takes with the stack's labels (components/nodeParts.ts), `pulumi-stack`
 * among them, so the newest of a stack's is one list call away.
 */
import * as gcp from "@pulumi/gcp";

/** The provider's answer when a snapshot filter matches nothing (terraform-provider-google, data_source_google_compute_snapshot.go). */
export const noSnapshotMessage = /your filter has returned 0 snapshot\(s\)/;

/** Compute Engine's list filter for a stack's ready chain snapshots. */
export function chainSnapshotFilter(stackSlug: string): string {
  return `labels.pulumi-stack = "${stackSlug}" AND status = "READY"`;
}

type Lookup = (args: gcp.compute.GetSnapshotArgs) => Promise<{ selfLink: string }>;

/**
 * The self link of the stack's newest ready chain snapshot, or undefined when it has none
 * yet (the first deployment). Any other failure (permissions, the API) stops the run.
 */
export async function newestChainSnapshot(stackSlug: string, lookup: Lookup = gcp.compute.getSnapshot): Promise<string | undefined> {
  try {
    return (await lookup({ filter: chainSnapshotFilter(stackSlug), mostRecent: true })).selfLink;
  } catch (error) {
    if (noSnapshotMessage.test(String((error as { details?: string; message?: string })?.details ?? (error as Error)?.message ?? error))) return undefined;
    throw error;
  }
}

/** A snapshot as config names it (defimon:node.seedSnapshot): a name in this project, or a path in another. */
export function snapshotPath(name: string, projectId: string): string {
  return name.startsWith("projects/") ? name : `projects/${projectId}/global/snapshots/${name}`;
}
