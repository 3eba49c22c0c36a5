import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KmsConfig } from "../lib/config";
import { toGcpDuration } from "../lib/durations";

export interface EncryptionArgs {
  /**
   * defimon:kms: `location` (default `global`; one Pub/Sub can use for CMEK), `keyRing` and
   * `cryptoKey` IDs (1-63 of `[A-Za-z0-9_-]`; defaults `defimon`, `pubsub-key`),
   * `rotationPeriod` in seconds (1 to 90 days; default 90 days).
   */
  kms: KmsConfig;
  /**
   * GCP never deletes a key ring or frees its name. A stack that is destroyed and
   * created again (dev, test stacks) therefore gets a random suffix on the key ring
   * name; a protected stack keeps the plain name and protects ring and key instead.
   */
  protect: boolean;
  /**
   * Principals (IAM member strings) that encrypt and decrypt with the key, by a short
   * name that becomes part of the grant's resource name, e.g. `{"pubsub-agent": ...}`.
   */
  keyUsers: Record<string, pulumi.Input<string>>;
  /** Labels for the crypto key (key rings take none). */
  labels: Record<string, string>;
}

/** A Cloud KMS key ring and a rotating symmetric key, with resource-level grants to use it. */
export class Encryption extends pulumi.ComponentResource {
  readonly keyRing: gcp.kms.KeyRing;
  readonly cryptoKey: gcp.kms.CryptoKey;
  /** The `roles/cloudkms.cryptoKeyEncrypterDecrypter` grants, by the names given in `keyUsers`. */
  readonly keyUserGrants: Record<string, gcp.kms.CryptoKeyIAMMember>;
  /** The suffix on the key ring name, when the stack is not protected. */
  readonly keyRingSuffix?: random.RandomId;

  constructor(name: string, args: EncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:kms:Encryption", name, {}, opts);

    let keyRingName: pulumi.Input<string> = args.kms.keyRing;
    if (!args.protect) {
      this.keyRingSuffix = new random.RandomId(
        `${name}-key-ring-suffix`,
        { byteLength: 3, keepers: { keyRing: args.kms.keyRing, location: args.kms.location } },
        { parent: this },
      );
      keyRingName = pulumi.interpolate`${args.kms.keyRing.slice(0, 63 - 7)}-${this.keyRingSuffix.hex}`;
    }

    this.keyRing = new gcp.kms.KeyRing(
      `${name}-key-ring`,
      { name: keyRingName, location: args.kms.location },
      { parent: this, protect: args.protect },
    );

    this.cryptoKey = new gcp.kms.CryptoKey(
      `${name}-key`,
      {
        name: args.kms.cryptoKey,
        keyRing: this.keyRing.id,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: toGcpDuration(args.kms.rotationPeriod),
        labels: args.labels,
      },
      { parent: this, protect: args.protect },
    );

    this.keyUserGrants = Object.fromEntries(
      Object.entries(args.keyUsers).map(([user, member]) => [
        user,
        new gcp.kms.CryptoKeyIAMMember(
          `${name}-${user}-access`,
          { cryptoKeyId: this.cryptoKey.id, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member },
          { parent: this },
        ),
      ]),
    );

    this.registerOutputs({ keyRingId: this.keyRing.id, cryptoKeyId: this.cryptoKey.id });
  }
}
