import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccount } from "./serviceAccount";

export interface ServiceIdentitiesArgs {
  /** Services that publish events (defimon:publishers): publisher on the topic, nothing else. */
  publishers: string[];
  /** Consumer groups (defimon:consumers) and the subscription (ID or name) each reads: subscriber on it alone. */
  consumers: Record<string, pulumi.Input<string>>;
  /** The event topic (ID or name). */
  topic: pulumi.Input<string>;
  /**
   * Services that run on the Geth host (defimon:services): they all run as the host's
   * account, so that account gets exactly the union of their roles, and they get no
   * account of their own.
   */
  onHost: string[];
  /** IAM member of the host's account. */
  hostMember: pulumi.Input<string>;
  /** Account ID for a service off the host: 6-30 of `[a-z0-9-]`, unique in the project. */
  accountIdOf: (service: string) => string;
  /** JSON keys (the guide's key.json) for the accounts off the host, for services outside Google Cloud. Default: false. */
  createKeys: boolean;
  /** A new value creates new keys, then deletes the old ones. */
  keyRotation: string;
}

/**
 * One identity per DEFIMON service: a service account for each publisher and consumer off
 * the Geth host, with publisher on the topic or subscriber on its own subscription and
 * nothing on the project; for the services on the host, the same grants to the host's account.
 */
export class ServiceIdentities extends pulumi.ComponentResource {
  /** The accounts of the services off the host, by service. */
  readonly accounts: Record<string, ServiceAccount>;
  /** The host account's grants, one per role and resource (the union over the host's services). */
  readonly hostGrants: (gcp.pubsub.TopicIAMMember | gcp.pubsub.SubscriptionIAMMember)[];

  constructor(name: string, args: ServiceIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:iam:ServiceIdentities", name, {}, opts);

    const services = [...new Set([...args.publishers, ...Object.keys(args.consumers)])].sort();
    const onHost = new Set(args.onHost);
    const publishes = (service: string) => args.publishers.includes(service);
    const subscription = (service: string) => args.consumers[service];

    this.accounts = Object.fromEntries(
      services
        .filter((service) => !onHost.has(service))
        .map((service) => [
          service,
          new ServiceAccount(
            `${name}-${service}`,
            {
              accountId: args.accountIdOf(service),
              displayName: `DEFIMON ${service}`,
              publishTo: publishes(service) ? { events: args.topic } : {},
              subscribeTo: subscription(service) !== undefined ? { events: subscription(service) } : {},
              createKey: args.createKeys,
              keyRotation: args.keyRotation,
            },
            { parent: this },
          ),
        ]),
    );

    const hosted = services.filter((service) => onHost.has(service));
    this.hostGrants = [
      ...(hosted.some(publishes)
        ? [new gcp.pubsub.TopicIAMMember(`${name}-host-publisher`, { topic: args.topic, role: "roles/pubsub.publisher", member: args.hostMember }, { parent: this })]
        : []),
      ...hosted
        .filter((service) => subscription(service) !== undefined)
        .map(
          (service) =>
            new gcp.pubsub.SubscriptionIAMMember(
              `${name}-host-subscriber-${service}`,
              { subscription: subscription(service), role: "roles/pubsub.subscriber", member: args.hostMember },
              { parent: this },
            ),
        ),
    ];

    this.registerOutputs({ emails: Object.fromEntries(Object.entries(this.accounts).map(([service, account]) => [service, account.account.email])) });
  }
}
