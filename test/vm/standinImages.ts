/**
 * The stand-in container images, built on the host without a Docker daemon: one gzipped
 * layer (busybox from Debian's busybox-static, the role script, the applets it uses), an
 * OCI config carrying the real image's entrypoint and user, and an OCI manifest. Written
 * as a registry store (`<repository>/manifests/<digest>`, `blobs/<digest>`) that the
 * in-guest registry stand-in serves, so the VM pulls them by the digests the test stack
 * pins, exactly as it would pull the real ones.
 */
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface StandinImage {
  /** The reference the test stack's config names, without the digest. */
  reference: string;
  role: string;
  entrypoint: string[];
  user?: string;
  /** Where the role script is installed (the real image's entrypoint or command). */
  paths: string[];
}

/** The node's five images under their default references (the health endpoint's runs the default role: it only has to run), and one DEFIMON service in Artifact Registry. */
export const standinImages: StandinImage[] = [
  { reference: "ethereum/client-go:v1.17.10", role: "geth", entrypoint: ["geth"], paths: ["/usr/local/bin/geth"] },
  { reference: "sigp/lighthouse:v8.3.3", role: "lighthouse", entrypoint: [], paths: ["/usr/local/bin/lighthouse"] },
  { reference: "prom/prometheus:v3.13.3", role: "prometheus", entrypoint: ["/bin/prometheus"], user: "nobody", paths: ["/bin/prometheus"] },
  { reference: "grafana/grafana:13.3.2", role: "grafana", entrypoint: ["/run.sh"], user: "472", paths: ["/run.sh"] },
  { reference: "python:3.13.16-alpine3.24", role: "health", entrypoint: [], paths: ["/usr/local/bin/python3"] },
  { reference: "europe-west1-docker.pkg.dev/defimon-test/defimon/indexer:1.0.0", role: "indexer", entrypoint: ["/bin/indexer"], paths: ["/bin/indexer"] },
];

const applets = ["sh", "cat", "cut", "echo", "grep", "id", "mkdir", "nc", "httpd", "printf", "sleep", "tr", "wc", "wget", "basename", "date", "ls"];
const busybox = "/bin/busybox";
const here = path.join(__dirname, "standins");

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** Inputs of the images, for the image cache's key. */
export function standinInputs(): string {
  return [busybox, path.join(here, "role.sh"), path.join(here, "rpc.sh")].map((file) => sha256(fs.readFileSync(file))).join(",") + JSON.stringify(standinImages);
}

/** Repository path in the registry: Docker Hub's official images (`python`) live under `library/`. */
export function repositoryOf(reference: string): { host: string; name: string; tag: string } {
  const [withoutTag, tag] = [reference.slice(0, reference.lastIndexOf(":")), reference.slice(reference.lastIndexOf(":") + 1)];
  const first = withoutTag.split("/")[0];
  if (first.includes(".")) return { host: first, name: withoutTag.slice(first.length + 1), tag };
  return { host: "registry-1.docker.io", name: withoutTag.includes("/") ? withoutTag : `library/${withoutTag}`, tag };
}

/** Builds every image into `store`; returns reference -> manifest digest. */
export function buildStandinImages(store: string): Record<string, string> {
  const digests: Record<string, string> = {};
  const blob = (data: Buffer) => {
    const digest = sha256(data);
    fs.mkdirSync(path.join(store, "blobs"), { recursive: true });
    fs.writeFileSync(path.join(store, "blobs", digest.replace(":", "-")), data);
    return { digest, size: data.length };
  };
  for (const image of standinImages) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "standin-"));
    for (const dir of ["bin", "usr/local/bin", "tmp", "data"]) fs.mkdirSync(path.join(root, dir), { recursive: true, mode: 0o1777 });
    fs.copyFileSync(busybox, path.join(root, "bin/busybox"));
    fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
    for (const applet of applets) fs.symlinkSync("busybox", path.join(root, "bin", applet));
    fs.copyFileSync(path.join(here, "rpc.sh"), path.join(root, "bin/rpc"));
    fs.chmodSync(path.join(root, "bin/rpc"), 0o755);
    for (const target of image.paths) {
      fs.mkdirSync(path.dirname(path.join(root, target)), { recursive: true });
      fs.copyFileSync(path.join(here, "role.sh"), path.join(root, target));
      fs.chmodSync(path.join(root, target), 0o755);
    }
    fs.writeFileSync(path.join(root, "etc-passwd"), "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
    fs.mkdirSync(path.join(root, "etc"));
    fs.renameSync(path.join(root, "etc-passwd"), path.join(root, "etc/passwd"));
    // Reproducible: sorted names, root owner, fixed mtime; gzip without a timestamp.
    const tar = execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", root, "-cf", "-", "."], { maxBuffer: 64 << 20 });
    const gz = execFileSync("gzip", ["-n", "-9"], { input: tar, maxBuffer: 64 << 20 });
    fs.rmSync(root, { recursive: true, force: true });
    const layer = blob(gz);
    const config = blob(
      Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          config: {
            Entrypoint: image.entrypoint.length ? image.entrypoint : null,
            User: image.user ?? "",
            Env: ["PATH=/usr/local/bin:/bin", `STANDIN_ROLE=${image.role}`],
          },
          rootfs: { type: "layers", diff_ids: [sha256(tar)] },
        }),
      ),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
      }),
    );
    const { digest } = blob(manifest);
    const repo = repositoryOf(image.reference);
    const dir = path.join(store, "repositories", repo.host, repo.name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `tag-${repo.tag}`), digest);
    digests[image.reference] = digest;
  }
  fs.writeFileSync(path.join(store, "digests.json"), JSON.stringify(digests, null, 1));
  return digests;
}
