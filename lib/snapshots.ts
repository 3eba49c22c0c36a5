/**
 * The chain snapshots a new node's disk is seeded from. The schedule labels every
 * snapshot it takes with the stack's labels (components/nodeParts.ts), `pulumi-stack`
 * among them, so the newest of a stack's is one list call away.
 *
 * A group's nodes are not seeded from the snapshot itself but from the stack's seed image
 * (components/nodeGroup.ts), made once from it: the schedule deletes a snapshot after its
 * retention, and a template that named the newest one would change with every daily
 * snapshot and, two quiet weeks later, name one that is gone.
 */
import * as gcp from "@pulumi/gcp";

/** The provider's answer when a snapshot filter matches nothing (terraform-provider-google, data_source_google_compute_snapshot.go). */
export const noSnapshotMessage = /your filter has returned 0 snapshot\(s\)/;
/** Compute Engine's answer for a resource that does not exist (an image looked up by name). */
export const notFoundMessage = /\b404\b.*(was not found|notFound)|The resource '[^']+' was not found/;
/**
 * Compute Engine's API not enabled on the project yet (a new project's first preview runs
 * before the program's own projects.Service resources exist): 403 SERVICE_DISABLED,
 * "Compute Engine API has not been used in project ... before or it is disabled".
 * Such a project has no snapshot and no image to seed from.
 */
export const apiDisabledMessage = /SERVICE_DISABLED|accessNotConfigured|API has not been used in project/;

/**
 * Compute Engine's list filter for a stack's ready chain snapshots: each expression in
 * parentheses, as the API reference asks when a filter has more than one
 * (compute/docs/reference/rest/v1/snapshots/list, `filter`).
 */
export function chainSnapshotFilter(stackSlug: string): string {
  return `(labels.pulumi-stack = "${stackSlug}") AND (status = "READY")`;
}

type Lookup = (args: gcp.compute.GetSnapshotArgs) => Promise<{ selfLink: string }>;
type ImageLookup = (args: gcp.compute.GetImageArgs) => Promise<{ description: string }>;

/** A seed image's description, which names the snapshot it was made from (the image data source does not return it). */
export function seedImageDescription(network: string, snapshot: string): string {
  return `Chain data that new DEFIMON nodes (${network}) start from, made from ${snapshot}`;
}
const madeFrom = /, made from (\S+)$/;

function reasonOf(error: unknown): string {
  return String((error as { details?: string; message?: string })?.details ?? (error as Error)?.message ?? error);
}

/**
 * The self link of the stack's newest ready chain snapshot, or undefined when it has none
 * yet (the first deployment, or a project whose Compute Engine API is not on yet). Any
 * other failure (permissions) stops the run.
 */
export async function newestChainSnapshot(stackSlug: string, lookup: Lookup = gcp.compute.getSnapshot): Promise<string | undefined> {
  try {
    return (await lookup({ filter: chainSnapshotFilter(stackSlug), mostRecent: true })).selfLink;
  } catch (error) {
    const reason = reasonOf(error);
    if (noSnapshotMessage.test(reason) || apiDisabledMessage.test(reason)) return undefined;
    throw error;
  }
}

/** Where a new chain disk (or a group's seed image) comes from, or why there is none. */
export type Seed = { snapshot: string } | { none: string };

/** The stack's newest ready chain snapshot as a seed: one VM's disk is made once from it. */
export async function newestSnapshotSeed(stackSlug: string, lookup?: Lookup): Promise<Seed> {
  const snapshot = await newestChainSnapshot(stackSlug, lookup);
  return snapshot ? { snapshot } : { none: "the stack has no chain snapshot yet" };
}

/**
 * A group's seed for "newest": the stack's seed image as it already is (made once, from
 * the snapshot it names), else the stack's newest ready snapshot to make it from, else
 * none (the reason said). A newer snapshot never changes an existing seed: replace it on
 * purpose (docs/design/node-group.md, seeding new nodes).
 */
export async function newestSeed(stackSlug: string, imageName: string, lookups: { image?: ImageLookup; snapshot?: Lookup } = {}): Promise<Seed> {
  const getImage = lookups.image ?? gcp.compute.getImage;
  try {
    const image = await getImage({ name: imageName });
    const source = madeFrom.exec(image.description ?? "")?.[1];
    if (!source) throw new Error(`seed image ${imageName} exists but its description does not name its snapshot: delete it, or replace it with pulumi up --replace`);
    return { snapshot: source };
  } catch (error) {
    const reason = reasonOf(error);
    if (apiDisabledMessage.test(reason)) return { none: "the project's Compute Engine API is not on yet, so it has no snapshot" };
    if (!notFoundMessage.test(reason)) throw error;
  }
  return newestSnapshotSeed(stackSlug, lookups.snapshot);
}

/** A snapshot as config names it (defimon:node.seedSnapshot): a name in this project, or a path in another. */
export function snapshotPath(name: string, projectId: string): string {
  return name.startsWith("projects/") ? name : `projects/${projectId}/global/snapshots/${name}`;
}
