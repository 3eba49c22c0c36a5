import * as docker from "@pulumi/docker";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ArtifactRepository, artifactRegistryRepository, parseImageReference, pinImage } from "../lib/images";

/** One image the host runs, and the config key that names it (for error lines). */
export interface ImageRef {
  container: string;
  /** e.g. `defimon:node.images.geth`, `defimon:services.indexer.image`. */
  configKey: string;
  reference: string;
}

export interface PinnedImages {
  /** `repo:tag@sha256:...` by container. */
  pinned: Record<string, string>;
  /** The Artifact Registry repositories the images come from: the host needs reader on each. */
  repositories: ArtifactRepository[];
}

/**
 * Resolves every image to `reference@sha256:...` with the registry's current digest, at
 * deploy time (config may pin a digest already: then the registry is not asked). Awaited
 * by the program before it declares anything else, so an image that cannot be resolved
 * stops the run with one line per image naming its config key, not a failed VM update.
 *
 * The Docker provider only queries registries here: its daemon check is off, so no
 * Docker engine is needed. Artifact Registry hosts get the deployer's own Google access
 * token (the provider's credentials) as registry auth; the host pulls with its own.
 */
export async function pinImages(name: string, images: ImageRef[], opts?: pulumi.CustomResourceOptions): Promise<PinnedImages> {
  const repositories = uniqueRepositories(images.map((image) => artifactRegistryRepository(image.reference)));
  const unpinned = images.filter((image) => !parseImageReference(image.reference)?.digest);
  const pinned: Record<string, string> = Object.fromEntries(images.map((image) => [image.container, image.reference]));
  if (!unpinned.length) return { pinned, repositories };

  const accessToken = pulumi.secret(gcp.organizations.getClientConfigOutput(opts).accessToken);
  const registry = new docker.Provider(
    `${name}-registry`,
    {
      disableDockerDaemonCheck: true,
      registryAuth: [...new Set(repositories.map((repository) => repository.host))].map((address) => ({
        address,
        username: "oauth2accesstoken",
        password: accessToken,
      })),
    },
    opts,
  );
  const failures: string[] = [];
  await Promise.all(
    unpinned.map(async (image) => {
      try {
        const found = await docker.getRegistryImage({ name: image.reference }, { provider: registry, parent: opts?.parent });
        pinned[image.container] = pinImage(image.reference, found.sha256Digest);
      } catch (error) {
        const reason = String((error as Error)?.message ?? error).split("\n").find((line) => line.trim()) ?? "unknown error";
        failures.push(`${image.configKey} = ${JSON.stringify(image.reference)}: cannot be resolved in its registry (${reason.trim()})`);
      }
    }),
  );
  if (failures.length) throw new pulumi.RunError(`images that cannot be pulled:\n${failures.sort().join("\n")}`);
  return { pinned, repositories };
}

function uniqueRepositories(found: (ArtifactRepository | undefined)[]): ArtifactRepository[] {
  const byKey = new Map<string, ArtifactRepository>();
  for (const repository of found) if (repository) byKey.set(`${repository.host}/${repository.project}/${repository.repository}`, repository);
  return [...byKey.values()];
}
