import * as gcp from "@pulumi/gcp";
import * as time from "@pulumiverse/time";
import * as pulumi from "@pulumi/pulumi";
import { type AnalyticsConfig, sinkSubscriptionName, uniqueViewName } from "../lib/config";
import { BigQueryColumn } from "../lib/eventSchema";
import { deadLetterReaderInputs, Delivery, deliveryInputs } from "./eventBus";

export interface EventAnalyticsArgs {
  /** The event topic (ID): both sinks subscribe to it. */
  topic: pulumi.Input<string>;
  /** Its name, for the sinks' subscription names (`<topic>-bigquery`, `<topic>-archive`). */
  topicName: string;
  /** The shared dead-letter topic (ID): rows BigQuery refuses are dead-lettered like any consumer's messages. */
  deadLetterTopic: pulumi.Input<string>;
  /** The sinks' delivery settings: defimon:pubsub's, the guide's (ack deadline, retention, backoff, attempts); dead letters read like a consumer's. */
  delivery: Delivery;
  projectId: pulumi.Input<string>;
  /** BigQuery dataset location and the archive bucket's: the stack's region. */
  location: string;
  /**
   * defimon:analytics: `dataset` and `table` IDs (letters, digits and _; defaults
   * `defimon_events`, `events`), `partitionExpirationDays` (0, the default, keeps every day),
   * `archive` to Cloud Storage as Avro (default off), kept `archiveRetentionDays` (365).
   */
  analytics: AnalyticsConfig;
  /** The table's columns: the event schema's fields, then Pub/Sub's metadata (lib/eventSchema.ts). */
  columns: BigQueryColumn[];
  /**
   * The stack's key, where the sink can use it: BigQuery and Cloud Storage take only a key in
   * their own location (a `global` key, the stack's default, does not qualify).
   * `keyReady`: its grants to the BigQuery and Cloud Storage service agents.
   */
  kmsKeyName?: pulumi.Input<string>;
  kmsKeyReady: pulumi.Input<pulumi.Resource>[];
  /** IAM member of the Pub/Sub service agent: writes the rows and files, and dead-letters. */
  pubsubServiceAgentMember: pulumi.Input<string>;
  protect: boolean;
  labels: Record<string, string>;
}

/**
 * The analytics sinks of the event stream: a BigQuery subscription writing every event to
 * a table whose columns are the event schema's (day-partitioned on publish time, clustered
 * by network and event type), and optionally a Cloud Storage subscription archiving them
 * as Avro. The Pub/Sub service agent gets exactly what each needs, on the table and the
 * bucket; both subscriptions dead-letter.
 */
export class EventAnalytics extends pulumi.ComponentResource {
  readonly dataset: gcp.bigquery.Dataset;
  readonly table: gcp.bigquery.Table;
  /** The service agent's dataEditor on the table alone (writes rows, reads its metadata). */
  readonly tableWriter: gcp.bigquery.IamMember;
  /** The table with one row per event (`<table>_unique`): the subscription writes at least once, so a redelivered event is a second row. */
  readonly uniqueView: gcp.bigquery.Table;
  readonly bigQuerySubscription: gcp.pubsub.Subscription;
  readonly archiveBucket?: gcp.storage.Bucket;
  readonly archiveSubscription?: gcp.pubsub.Subscription;
  /** Dead-letter subscriptions of the sinks, and the service agent's subscriber grants on the sinks. */
  readonly deadLetterSubscriptions: gcp.pubsub.Subscription[];
  readonly deadLetterSubscriberGrants: gcp.pubsub.SubscriptionIAMMember[];
  /** The waits for the sinks' grants to reach Pub/Sub (IAM propagation), one per sink. */
  readonly grantPropagation: time.Sleep[] = [];
  /** The sinks' subscription IDs (`<topic>-bigquery`, `<topic>-archive`): monitoring watches their backlog and dead letters like a consumer's. */
  readonly sinkSubscriptionNames: string[];

  constructor(name: string, args: EventAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:analytics:EventAnalytics", name, {}, opts);
    const stateful = { parent: this, protect: args.protect };

    this.dataset = new gcp.bigquery.Dataset(
      `${name}-dataset`,
      {
        datasetId: args.analytics.dataset,
        location: args.location,
        description: "DEFIMON events, written by a Pub/Sub BigQuery subscription",
        defaultEncryptionConfiguration: args.kmsKeyName ? { kmsKeyName: args.kmsKeyName } : undefined,
        // A test stack is destroyed with its rows; a protected stack cannot be.
        deleteContentsOnDestroy: !args.protect,
        labels: args.labels,
      },
      { ...stateful, dependsOn: args.kmsKeyReady },
    );

    this.table = new gcp.bigquery.Table(
      `${name}-table`,
      {
        datasetId: this.dataset.datasetId,
        tableId: args.analytics.table,
        description: "One row per DEFIMON event (schema/defimon-event.proto), with Pub/Sub's metadata",
        schema: JSON.stringify(args.columns),
        timePartitioning: {
          type: "DAY",
          field: "publish_time",
          ...(args.analytics.partitionExpirationDays ? { expirationMs: args.analytics.partitionExpirationDays * 86_400_000 } : {}),
        },
        clusterings: ["network", "event_type"],
        deletionProtection: args.protect,
        labels: args.labels,
      },
      stateful,
    );

    // Pub/Sub's BigQuery subscription writes at least once: the events' own item_id (the
    // publishers' de-duplication key) keeps the first row of each.
    this.uniqueView = new gcp.bigquery.Table(
      `${name}-unique-view`,
      {
        datasetId: this.dataset.datasetId,
        tableId: uniqueViewName(args.analytics.table),
        description: `One row per item_id of ${args.analytics.table}: the first written (Pub/Sub delivers at least once)`,
        view: {
          useLegacySql: false,
          query: pulumi.interpolate`SELECT * FROM \`${this.table.project}.${this.table.datasetId}.${this.table.tableId}\` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY publish_time, message_id) = 1`,
        },
        deletionProtection: args.protect,
        labels: args.labels,
      },
      stateful,
    );

    this.tableWriter = new gcp.bigquery.IamMember(
      `${name}-table-writer`,
      { datasetId: this.dataset.datasetId, tableId: this.table.tableId, role: "roles/bigquery.dataEditor", member: args.pubsubServiceAgentMember },
      { parent: this },
    );

    /**
     * Pub/Sub checks its agent's permissions when the subscription is created, and a grant
     * made seconds before may not have reached it yet: the provider retries only
     * PubsubTopicProjectNotReady (resource_pubsub_subscription.go), and its own tests of
     * these subscriptions failed this way 25-35 % of the time (hashicorp/terraform-provider-google
     * #19085, #17397). So the subscription waits for the grants, then 90 s more, once: the
     * wait runs again only when a grant changes.
     */
    const sink = (part: string, subscriptionName: string, config: Partial<gcp.pubsub.SubscriptionArgs>, grants: (gcp.bigquery.IamMember | gcp.storage.BucketIAMMember)[]) => {
      const propagated = new time.Sleep(
        `${name}-${part}-grants-propagate`,
        { createDuration: "90s", triggers: Object.fromEntries(grants.map((grant, index) => [`grant${index}`, grant.id])) },
        { parent: this, dependsOn: grants },
      );
      this.grantPropagation.push(propagated);
      return new gcp.pubsub.Subscription(
        `${name}-${part}-subscription`,
        {
          name: subscriptionName,
          topic: args.topic,
          ...deliveryInputs(args.delivery, args.deadLetterTopic),
          labels: { ...args.labels, consumer: part },
          ...config,
        },
        { ...stateful, dependsOn: [propagated] },
      );
    };

    const bigQueryName = sinkSubscriptionName(args.topicName, "bigquery");
    this.bigQuerySubscription = sink(
      "bigquery",
      bigQueryName,
      {
        bigqueryConfig: {
          table: pulumi.interpolate`${args.projectId}.${this.dataset.datasetId}.${this.table.tableId}`,
          useTopicSchema: true,
          writeMetadata: true,
        },
      },
      [this.tableWriter],
    );
    const sinks: [string, string, gcp.pubsub.Subscription][] = [["bigquery", bigQueryName, this.bigQuerySubscription]];

    if (args.analytics.archive) {
      this.archiveBucket = new gcp.storage.Bucket(
        `${name}-archive`,
        {
          name: pulumi.interpolate`${args.projectId}-${args.topicName}-archive`,
          location: args.location,
          uniformBucketLevelAccess: true,
          publicAccessPrevention: "enforced",
          encryption: args.kmsKeyName ? { defaultKmsKeyName: args.kmsKeyName } : undefined,
          lifecycleRules: [{ action: { type: "Delete" }, condition: { age: args.analytics.archiveRetentionDays } }],
          forceDestroy: !args.protect,
          labels: args.labels,
        },
        { ...stateful, dependsOn: args.kmsKeyReady },
      );
      // What Pub/Sub's Cloud Storage subscriptions need on the bucket (Pub/Sub, "Cloud Storage subscriptions", assign roles).
      const bucketGrants = ["roles/storage.objectCreator", "roles/storage.legacyBucketReader"].map(
        (role) =>
          new gcp.storage.BucketIAMMember(`${name}-archive-${role.split(".").pop()!.toLowerCase()}`, { bucket: this.archiveBucket!.name, role, member: args.pubsubServiceAgentMember }, { parent: this }),
      );
      const archiveName = sinkSubscriptionName(args.topicName, "archive");
      this.archiveSubscription = sink(
        "archive",
        archiveName,
        { cloudStorageConfig: { bucket: this.archiveBucket.name, filenamePrefix: "events/", avroConfig: { writeMetadata: true }, maxDuration: "300s", maxBytes: 100 * 1024 * 1024 } },
        bucketGrants,
      );
      sinks.push(["archive", archiveName, this.archiveSubscription]);
    }

    this.sinkSubscriptionNames = sinks.map(([, source]) => source);
    this.deadLetterSubscriptions = sinks.map(
      ([part, source]) =>
        new gcp.pubsub.Subscription(
          `${name}-${part}-dead-letter-subscription`,
          { ...deadLetterReaderInputs(source, args.delivery, args.deadLetterTopic), labels: { ...args.labels, consumer: part } },
          stateful,
        ),
    );
    this.deadLetterSubscriberGrants = sinks.map(
      ([part, , subscription]) =>
        new gcp.pubsub.SubscriptionIAMMember(`${name}-${part}-dead-letter-subscriber`, { subscription: subscription.name, role: "roles/pubsub.subscriber", member: args.pubsubServiceAgentMember }, { parent: this }),
    );

    this.registerOutputs({ tableId: this.table.id, bigQuerySubscriptionId: this.bigQuerySubscription.id });
  }
}
