import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretFile } from "../lib/render/bootMetadata";
import { containerSecrets } from "../lib/render/compose";

export interface NodeSecretsArgs {
  /** Prefix of the Secret Manager secret IDs, unique per stack in the project: `defimon-<stack>`. */
  secretIdPrefix: string;
  labels: Record<string, string>;
}

interface SecretSpec {
  /** Suffix of the secret ID. */
  id: string;
  value: pulumi.Output<string>;
}

/**
 * The node's generated secrets, kept in Secret Manager: the Engine API JWT shared by
 * geth and Lighthouse (32 random bytes, hex) and Grafana's admin password. They never
 * appear in instance metadata or stack outputs; the host fetches them at boot.
 */
export class NodeSecrets extends pulumi.ComponentResource {
  readonly jwt: random.RandomBytes;
  readonly grafanaPassword: random.RandomPassword;
  /** The Secret Manager secrets, by suffix: geth-jwt, grafana-admin-password. */
  readonly secrets: Record<string, gcp.secretmanager.Secret>;
  /** What the host fetches at boot, for its metadata (IDs only). */
  readonly secretFiles: SecretFile[];
  /** The secrets' versions: the host must not boot before they exist. */
  readonly versions: gcp.secretmanager.SecretVersion[];

  constructor(name: string, args: NodeSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:secrets:NodeSecrets", name, {}, opts);

    // The Engine API secret must be exactly 32 bytes, hex-encoded.
    this.jwt = new random.RandomBytes(`${name}-jwt`, { length: 32 }, { parent: this });
    this.grafanaPassword = new random.RandomPassword(`${name}-grafana-password`, { length: 32, special: false }, { parent: this });

    const specs: SecretSpec[] = [
      { id: "geth-jwt", value: this.jwt.hex },
      { id: "grafana-admin-password", value: this.grafanaPassword.result },
    ];

    this.secrets = {};
    this.versions = [];
    for (const spec of specs) {
      const secret = new gcp.secretmanager.Secret(
        `${name}-${spec.id}`,
        { secretId: `${args.secretIdPrefix}-${spec.id}`, replication: { auto: {} }, labels: args.labels },
        { parent: this },
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${name}-${spec.id}-version`,
        // Marked secret here as well as by the provider, so no code path holds it in clear.
        { secret: secret.id, secretData: pulumi.secret(spec.value) },
        { parent: this },
      );
      this.secrets[spec.id] = secret;
      this.versions.push(version);
    }
    // Each container's copy, owned by the user it runs as, readable by that user alone.
    this.secretFiles = Object.entries(containerSecrets).flatMap(([container, { owner, files }]) =>
      Object.entries(files).map(([file, id]) => ({ secretId: `${args.secretIdPrefix}-${id}`, dir: container, file, mode: "0400", owner })),
    );

    this.registerOutputs({});
  }
}
