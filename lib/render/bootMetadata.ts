import * as fs from "fs";
import { composeNetwork } from "../hostLayout";
import * as path from "path";

/** The boot scripts and the health endpoint, as committed (shellcheck checks the scripts, test/boot/health.test.ts the endpoint). */
export const bootScripts = {
  startup: fs.readFileSync(path.join(__dirname, "..", "..", "boot", "startup.sh"), "utf8"),
  shutdown: fs.readFileSync(path.join(__dirname, "..", "..", "boot", "shutdown.sh"), "utf8"),
  /** A group's nodes run it in their compose project (lib/render/compose.ts, health). */
  health: fs.readFileSync(path.join(__dirname, "..", "..", "boot", "health.py"), "utf8"),
};

export interface SecretFile {
  /** Secret Manager secret ID (not its value). */
  secretId: string;
  /** The container's folder in the host's secrets folder (one per container). */
  dir: string;
  /** File name in that folder. */
  file: string;
  /** Octal mode, e.g. "0400". */
  mode: string;
  /** uid:gid that owns it: the container user that reads it. */
  owner: string;
}

export interface BootMetadataInput {
  /** The compose project's files, by file name. */
  files: Record<string, string>;
  secrets: SecretFile[];
  /** Data directories on the chain data disk, and their uid:gid. */
  dataDirectories: Record<string, string>;
  /** The Ops Agent's config.yaml. */
  opsAgentConfig: string;
  /** Registry hosts (Artifact Registry) Docker pulls from with the VM's own token. */
  registries: string[];
}

/** Metadata key holding a compose-project file: "docker-compose.yml" -> "defimon-file-docker-compose-yml". */
export function fileMetadataKey(file: string): string {
  return `defimon-file-${file.replace(/^\./, "dot-").replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
}

/**
 * The instance metadata the host boots from. Everything the startup script needs is
 * here: the compose files, one metadata value each, with a manifest of where they go;
 * the names (never the values) of the secrets to fetch. Changing any of it updates the
 * instance in place and takes effect at the next boot (or a re-run of the script).
 */
export function bootMetadata(input: BootMetadataInput): Record<string, string> {
  for (const file of Object.keys(input.files)) {
    if (!/^[A-Za-z0-9._-]+$/.test(file) || file === "." || file === "..") throw new Error(`boot file name ${JSON.stringify(file)} is not a plain file name`);
  }
  const lines = (rows: string[][]) => rows.map((row) => row.join(" ")).join("\n") + "\n";
  return {
    "startup-script": bootScripts.startup,
    "shutdown-script": bootScripts.shutdown,
    // Access by IAM (OS Login) only; no project-wide keys; no interactive serial console.
    "enable-oslogin": "TRUE",
    "block-project-ssh-keys": "TRUE",
    "serial-port-enable": "FALSE",
    "defimon-files": lines(Object.keys(input.files).map((file) => [fileMetadataKey(file), file])),
    ...Object.fromEntries(Object.entries(input.files).map(([file, text]) => [fileMetadataKey(file), text])),
    "defimon-secrets": lines(input.secrets.map((s) => [s.secretId, s.dir, s.file, s.mode, s.owner])),
    "defimon-data-dirs": lines(Object.entries(input.dataDirectories)),
    "defimon-ops-agent-config": input.opsAgentConfig,
    // Always present (the script reads it under set -e), empty when every image is public.
    "defimon-registries": input.registries.join(" "),
    // The compose network's bridge and the range of the node's own containers, closed to the metadata server.
    "defimon-metadata-guard": `${composeNetwork.bridge} ${composeNetwork.nodeRange}`,
  };
}

/** Reads the compose files (and the Ops Agent's config) back out of instance metadata (the offline plan's --out). */
export function filesFromMetadata(metadata: Record<string, unknown>): Record<string, string> {
  const manifest = typeof metadata["defimon-files"] === "string" ? metadata["defimon-files"] : "";
  const files: Record<string, string> = {};
  if (typeof metadata["defimon-ops-agent-config"] === "string") files["ops-agent.yaml"] = metadata["defimon-ops-agent-config"];
  for (const line of manifest.split("\n").filter(Boolean)) {
    const [key, file] = line.split(" ");
    const text = metadata[key];
    if (typeof text === "string") files[file] = text;
  }
  return files;
}
