/**
 * Container images the Geth host runs. Tags name the release; at deploy time each is
 * resolved to its registry digest (components/imageDigests.ts), so a reboot never pulls
 * a different image and a version bump shows in the preview as a diff.
 */

/** Default images of the node's own containers; `defimon:node.images` overrides any. */
export const defaultImages = {
  geth: "ethereum/client-go:v1.17.10",
  lighthouse: "sigp/lighthouse:v8.3.3",
  prometheus: "prom/prometheus:v3.13.3",
  grafana: "grafana/grafana:13.3.2",
  /** Runs boot/health.py (standard library only) on the nodes of a group. */
  health: "python:3.13.16-alpine3.24",
};
export type NodeImageName = keyof typeof defaultImages;

const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const registry = "(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+(?::[0-9]+)?/|localhost(?::[0-9]+)?/)?";
/** An image reference with a tag, a digest, or both (`repo:tag@sha256:...`). */
export const imageReferencePattern = new RegExp(
  `^${registry}${component}(?:/${component})*(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[0-9a-f]{64}))?$`,
);

export function parseImageReference(reference: string): { repository: string; tag?: string; digest?: string } | undefined {
  const match = imageReferencePattern.exec(reference);
  if (!match) return undefined;
  const { tag, digest } = match.groups ?? {};
  const repository = reference.replace(/@sha256:[0-9a-f]{64}$/, "").replace(/:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "");
  return { repository, tag, digest };
}

/** `repo:tag@sha256:...`: the tag for people, the digest for docker. */
export function pinImage(reference: string, digest: string): string {
  return `${reference.replace(/@sha256:[0-9a-f]{64}$/, "")}@${digest}`;
}

/** An Artifact Registry Docker repository, as an image reference names it. */
export interface ArtifactRepository {
  /** The registry host, e.g. europe-west1-docker.pkg.dev. */
  host: string;
  location: string;
  project: string;
  repository: string;
}

/** `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE...`, or undefined for any other registry. */
export function artifactRegistryRepository(reference: string): ArtifactRepository | undefined {
  const match = /^([a-z0-9-]+)-docker\.pkg\.dev\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\/[^/]/.exec(reference);
  return match ? { host: `${match[1]}-docker.pkg.dev`, location: match[1], project: match[2], repository: match[3] } : undefined;
}

/** The registry host of a reference; Docker Hub's when it names none. */
export function registryHost(reference: string): string {
  const first = reference.split("/")[0];
  return reference.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}
