import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceAccountArgs {
  /** Account ID, the part before `@`: 6-30 of `[a-z0-9-]`, unique in the project. */
  accountId: string;
  displayName: string;
  /** Topics (IDs or names) the account publishes to: gets `roles/pubsub.publisher` on each, nothing on the project. */
  publishTo: Record<string, pulumi.Input<string>>;
  /** Subscriptions (IDs or names) the account pulls from: gets `roles/pubsub.subscriber` on each. */
  subscribeTo: Record<string, pulumi.Input<string>>;
  /**
   * Create a JSON key (the guide's `key.json`) for services that run outside Google
   * Cloud. Workloads on GCP should use the attached service account instead. Default: true.
   */
  createKey: boolean;
  /** Changing this value creates a new key, then deletes the old one (no window without a key). */
  keyRotation: string;
}

/**
 * The identity of one DEFIMON service, with least privilege granted on the
 * resources it touches rather than on the project.
 */
export class ServiceAccount extends pulumi.ComponentResource {
  readonly account: gcp.serviceaccount.Account;
  readonly publisherGrants: Record<string, gcp.pubsub.TopicIAMMember>;
  readonly subscriberGrants: Record<string, gcp.pubsub.SubscriptionIAMMember>;
  readonly key?: gcp.serviceaccount.Key;
  /** The JSON key file, base64-encoded, always a secret; undefined without a key. */
  readonly keyJson?: pulumi.Output<string>;

  constructor(name: string, args: ServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:iam:ServiceAccount", name, {}, opts);

    this.account = new gcp.serviceaccount.Account(
      `${name}-account`,
      { accountId: args.accountId, displayName: args.displayName },
      { parent: this },
    );

    this.publisherGrants = Object.fromEntries(
      Object.entries(args.publishTo).map(([label, topic]) => [
        label,
        new gcp.pubsub.TopicIAMMember(
          `${name}-publisher-${label}`,
          { topic, role: "roles/pubsub.publisher", member: this.account.member },
          { parent: this },
        ),
      ]),
    );

    this.subscriberGrants = Object.fromEntries(
      Object.entries(args.subscribeTo).map(([label, subscription]) => [
        label,
        new gcp.pubsub.SubscriptionIAMMember(
          `${name}-subscriber-${label}`,
          { subscription, role: "roles/pubsub.subscriber", member: this.account.member },
          { parent: this },
        ),
      ]),
    );

    if (args.createKey) {
      this.key = new gcp.serviceaccount.Key(
        `${name}-key`,
        { serviceAccountId: this.account.name, keepers: { rotation: args.keyRotation } },
        { parent: this },
      );
      // The provider asks the engine to keep privateKey secret; wrapping it here as well
      // keeps it secret wherever no engine is involved (the offline plan, tests).
      this.keyJson = pulumi.secret(this.key.privateKey);
    }

    this.registerOutputs({ email: this.account.email });
  }
}
