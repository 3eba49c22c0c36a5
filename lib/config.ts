/**
 * The stack's configuration (namespace `defimon`): read once, validated against the
 * limits GCP itself enforces, and resolved against the chosen preset.
 *
 * Every check lives in the zod schema below, so a bad value stops the program before
 * any resource is declared, with one line per problem naming the key, the value and
 * what is allowed.
 */
import { filterProblem } from "./pubsubFilter";
import { quoted } from "./quoted";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isWholeInternet, parseCidr, tooOpen } from "./cidr";
import { parseDuration } from "./durations";
import { ports } from "./hostLayout";
import { defaultImages, parseImageReference } from "./images";
import { clientCurrency } from "./clientCurrency";
import { unreachablePerformance } from "./diskPerformance";
import * as clock from "./clock";
import { diskLimits, diskTypes, familyDiskTypes, gceCatalogSource, isOfferedRegion, machineTypeIn, offeredRegions, zonesLacking, zonesOf } from "./gce";
import servicePrices from "../data/service-prices.json";
import currencies from "../data/iso-4217.json";
import kmsLocations from "../data/kms-locations.json";
import { regionOfZone, stackLabelKeys } from "./naming";
import { networkNames, networks, requiredMemoryMb } from "./networks";
import { EventStreamSettings, NodeSizing, PresetName, presetNames, presets } from "./presets";

export const configNamespace = "defimon";

// ---------------------------------------------------------------------------
// Building blocks. Each carries the one sentence a user sees when it fails.

function integer(min: number, max: number, unit = ""): z.ZodNumber {
  const allowed = `an integer from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
  return z.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

/** A duration (see durations.ts) between `min` and `max` seconds, parsed to seconds. */
function duration(min: number, max: number, range: string) {
  const allowed = `a duration from ${range} (seconds, or a whole number with s, m, h or d)`;
  return z.union([z.number(), z.string()], { error: allowed }).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined || seconds < min || seconds > max) {
      ctx.addIssue({ code: "custom", message: allowed });
      return z.NEVER;
    }
    return seconds;
  });
}

function pattern(regex: RegExp, allowed: string) {
  return z.string({ error: allowed }).regex(regex, { error: allowed });
}

/** Pub/Sub topic and subscription IDs: 3-255 characters, a letter first, not "goog..."; 12 are kept for the "-dead-letter" suffix. */
const pubsubName = pattern(
  /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,242}$/,
  "3 to 243 characters (room for the -dead-letter suffix): letters, digits and - _ . ~ + %, starting with a letter and not with 'goog'",
);

/** Cloud KMS key ring and crypto key IDs. */
const kmsName = pattern(/^[A-Za-z0-9_-]{1,63}$/, "1 to 63 characters: letters, digits, - and _");

/** GCP label keys and values (https://cloud.google.com/resource-manager/docs/labels-overview). */
const labelKey = pattern(/^[a-z][a-z0-9_-]{0,62}$/, "label keys are 1 to 63 lowercase letters, digits, - and _, starting with a letter");
const labelValue = pattern(/^[a-z0-9_-]{0,63}$/, "label values are 0 to 63 lowercase letters, digits, - and _");

/** `global`, a multi-region (us, europe, asia, nam4, ...: data/kms-locations.json) or a region of data/gce-catalog.json. */
const kmsLocation = z
  .string({ error: "global, a multi-region such as us or europe, or a region such as europe-west1" })
  .refine((location) => kmsLocations.locations.includes(location) || isOfferedRegion(location), {
    error: `global, a multi-region such as us or europe (${kmsLocations.locations.filter((location) => location !== "global").join(", ")}: data/kms-locations.json), or a region such as europe-west1`,
  });

/**
 * An e-mail address a mail system takes: a dot-atom local part (RFC 5322 3.2.3) of at
 * most 64 characters and a domain of DNS labels (RFC 1035) with a top-level domain of
 * letters (or xn--), at most 254 in all (RFC 5321 4.5.3.1).
 */
const emailAddress = z.string({ error: "an e-mail address such as ops@example.com" }).superRefine((email, ctx) => {
  const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  const shape = new RegExp(`^(${atom}(?:\\.${atom})*)@((?:${label}\\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}))$`).exec(email);
  if (!shape || shape[1].length > 64 || email.length > 254) ctx.addIssue({ code: "custom", message: "an e-mail address such as ops@example.com (no spaces, quotes or dots at the ends; a domain with a top-level domain of letters)" });
});

/** A list of e-mail addresses, each once (case aside: mail systems fold the domain, and Monitoring would make two channels). */
function emailList(max: number, tooMany: string) {
  return z
    .array(emailAddress, { error: "a list of e-mail addresses" })
    .max(max, { error: tooMany })
    .superRefine((emails, ctx) => {
      emails.forEach((email, index) => {
        const first = emails.findIndex((other) => other.toLowerCase() === email.toLowerCase());
        if (first < index) ctx.addIssue({ code: "custom", path: [index], message: `is ${emails[first]} again (entry ${first + 1}); name each address once` });
      });
    });
}

// ---------------------------------------------------------------------------
// The keys. Defaults are applied here and nowhere else.

/** How a subscription delivers: Pub/Sub's limits, shared by defimon:pubsub (with the guide's defaults) and each consumer. */
const delivery = {
  /** Seconds a subscriber has to ack before redelivery; Pub/Sub allows 10 to 600. */
  ackDeadlineSeconds: integer(10, 600, "seconds"),
  /** How long unacked messages are kept; Pub/Sub allows 10 minutes to 7 days on a subscription. */
  messageRetentionDuration: duration(600, 7 * 86400, "10m to 7d"),
  /** Retry policy backoff bounds; Pub/Sub allows 0 to 600 s each, minimum no larger than maximum. */
  minimumBackoff: duration(0, 600, "0s to 600s"),
  maximumBackoff: duration(0, 600, "0s to 600s"),
  /** Deliveries before a message is dead-lettered; Pub/Sub allows 5 to 100. */
  maxDeliveryAttempts: integer(5, 100, "attempts"),
};

/** Pub/Sub's rule that the minimum backoff is no longer than the maximum, at `path`. */
function backoffOrder(settings: { minimumBackoff: number; maximumBackoff: number }, path: PropertyKey[], ctx: z.RefinementCtx): void {
  if (settings.minimumBackoff > settings.maximumBackoff) {
    ctx.addIssue({ code: "custom", path: [...path, "minimumBackoff"], input: settings.minimumBackoff, message: `must not be longer than maximumBackoff (${settings.maximumBackoff}s)` });
  }
}

const pubsubFields = z.strictObject({
  /** The main topic the services publish to. */
  topic: pubsubName.default("defimon-events"),
  // The rest are the guide's settings: every consumer's, unless it names its own.
  ackDeadlineSeconds: delivery.ackDeadlineSeconds.default(600),
  messageRetentionDuration: delivery.messageRetentionDuration.default(7 * 86400),
  minimumBackoff: delivery.minimumBackoff.default(1),
  maximumBackoff: delivery.maximumBackoff.default(600),
  maxDeliveryAttempts: delivery.maxDeliveryAttempts.default(5),
});

const pubsubSchema = pubsubFields.superRefine((pubsub, ctx) => backoffOrder(pubsub, [], ctx));

/** DEFIMON service names: consumers, publishers and the containers on the host share them. */
const serviceName = pattern(/^[a-z][a-z0-9-]{0,30}$/, "service names are 1 to 31 lowercase letters, digits and -, starting with a letter");

/**
 * One consumer group: its own pull subscription on the topic (a Kafka consumer group),
 * its own dead-letter subscription, its own identity. Unset settings are defimon:pubsub's.
 */
const consumerFields = z.strictObject({
  /** Subscription ID; "{topic}" stands for the topic's name. Default: "{topic}-<consumer>". */
  subscription: pattern(
    /^(?!goog)(\{topic\}|[A-Za-z])[A-Za-z0-9\-_.~+%{}]{0,242}$/,
    "3 to 243 characters (room for the -dead-letter suffix): letters, digits and - _ . ~ + %, starting with a letter or {topic}, not with 'goog'",
  ).optional(),
  ackDeadlineSeconds: delivery.ackDeadlineSeconds.optional(),
  messageRetentionDuration: delivery.messageRetentionDuration.optional(),
  minimumBackoff: delivery.minimumBackoff.optional(),
  maximumBackoff: delivery.maximumBackoff.optional(),
  maxDeliveryAttempts: delivery.maxDeliveryAttempts.optional(),
  /** Only messages whose attributes match (Pub/Sub's filter syntax, at most 256 bytes; fixed once created: a change replaces the subscription, its backlog lost). */
  filter: z
    .string({ error: "a Pub/Sub filter such as attributes.network = \"mainnet\"" })
    .superRefine((filter, ctx) => {
      const problem = filterProblem(filter);
      if (problem) ctx.addIssue({ code: "custom", message: `not a Pub/Sub filter: ${problem} (attributes.KEY = "v", !=, attributes:KEY, hasPrefix(attributes.KEY, "p"), NOT, AND, OR; at most 256 bytes)` });
    })
    .optional(),
  /** Pub/Sub's exactly-once delivery: an acked message is not redelivered (the client must use the ack result). */
  exactlyOnceDelivery: z.boolean({ error: "true or false" }).default(false),
  /** Deliver messages with the same ordering key in publish order (publishers must set the key; fixed once created: a change replaces the subscription, its backlog lost). */
  messageOrdering: z.boolean({ error: "true or false" }).default(false),
});

/**
 * Consumers and publishers get a service account dfm-<name>-<stack>, cut with a hash of the
 * stack name when long: IAM takes 6 to 30 characters, so the name takes at most 17.
 */
const identityNameLength = 17;
const identityName = serviceName.refine((name) => name.length <= identityNameLength, {
  error: `at most ${identityNameLength} characters: its service account ID, dfm-<name>-<stack>, must fit IAM's 30`,
});

const consumersSchema = z.record(identityName, consumerFields);

/** The guide's subscription, which the consumer that keeps it (stream processing by default) reads. */
export const guideSubscriptionName = (topic: string) => `${topic}-sub`;
/** The subscription that reads one source subscription's dead letters. */
export const deadLetterReaderName = (source: string) => `${source}-dead-letter`;
/** The view of the events table with one row per item_id. */
export const uniqueViewName = (table: string) => `${table}_unique`;
/** An analytics sink's subscription on the topic. */
export const sinkSubscriptionName = (topic: string, sink: "bigquery" | "archive") => `${topic}-${sink}`;

/**
 * Every subscription the stack makes, with what it is for: each consumer's and its
 * dead-letter reader, each analytics sink's and its reader. One project holds them all,
 * so their IDs must differ (Pub/Sub answers 409 to the second).
 */
export function busSubscriptions(config: { pubsub: { topic: string }; consumers: Record<string, { subscription: string }>; analytics: { bigQuery: boolean; archive: boolean } }): { name: string; of: string; consumer?: string; reader: boolean }[] {
  const sources = [
    ...Object.entries(config.consumers).map(([consumer, settings]) => ({ name: settings.subscription, of: `consumer ${consumer}'s subscription`, consumer })),
    ...(config.analytics.bigQuery ? [{ name: sinkSubscriptionName(config.pubsub.topic, "bigquery"), of: "the BigQuery sink's subscription" }] : []),
    ...(config.analytics.archive ? [{ name: sinkSubscriptionName(config.pubsub.topic, "archive"), of: "the archive sink's subscription" }] : []),
  ];
  return sources.flatMap((source) => [{ ...source, reader: false }, { ...source, name: deadLetterReaderName(source.name), of: `the reader of ${source.of.replace(/'s subscription$/, "'s")} dead letters`, reader: true }]);
}

/** The guide's four consumers; stream processing keeps the guide's subscription name. */
export const defaultConsumers = {
  "stream-processing": { subscription: "{topic}-sub" },
  "batch-processing": {},
  "ml-pipeline": {},
  "event-indexer": {},
};
/** The guide's four publishers. */
export const defaultPublishers = ["analytics-api", "ai-ml", "blockchain-node", "data-ingestion"];

/** Every event into BigQuery, and optionally into Cloud Storage as Avro files. */
const analyticsSchema = z.strictObject({
  /** A BigQuery subscription writing every event to a day-partitioned table. */
  bigQuery: z.boolean({ error: "true or false" }).default(true),
  /** Dataset ID: letters, digits and _ (BigQuery's rule), at most 1024. */
  dataset: pattern(/^[A-Za-z0-9_]{1,1024}$/, "letters, digits and _, at most 1024").default("defimon_events"),
  table: pattern(/^[A-Za-z0-9_]{1,1024}$/, "letters, digits and _, at most 1024").default("events"),
  /** Days a table partition (a day of events) is kept; 0 keeps them for good. */
  partitionExpirationDays: integer(0, 36500, "days (0: kept for good)").default(0),
  /** A Cloud Storage subscription archiving events as Avro files. */
  archive: z.boolean({ error: "true or false" }).default(false),
  /** Days archived files are kept (a lifecycle rule deletes them after). */
  archiveRetentionDays: integer(1, 36500, "days").default(365),
});

const eventStreamSchema = z.strictObject({
  maxMessages: integer(1, 100_000, "messages").optional(),
  batchSize: integer(1, 1000, "messages (Pub/Sub takes at most 1000 per publish request)").optional(),
  maxConcurrentPublishers: integer(1, 100, "publishers").optional(),
  flushIntervalSeconds: integer(1, 600, "seconds").optional(),
  errorRetryAttempts: integer(0, 100, "attempts").optional(),
  errorRetryDelaySeconds: integer(0, 3600, "seconds").optional(),
});

const kmsSchema = z.strictObject({
  location: kmsLocation.default("global"),
  keyRing: kmsName.default("defimon"),
  cryptoKey: kmsName.default("pubsub-key"),
  /** Automatic rotation; Cloud KMS allows at least 1 day, this stack at most 90 days. */
  rotationPeriod: duration(86400, 90 * 86400, "1d to 90d").default(90 * 86400),
});

const serviceAccountSchema = z.strictObject({
  /**
   * Whether to create the JSON key the guide calls key.json for each service identity off
   * the host, for services outside Google Cloud. Off by default: organizations created since
   * 2024 enforce iam.disableServiceAccountKeyCreation, and workloads on GCP use their account.
   */
  createKey: z.boolean({ error: "true or false" }).default(false),
  /** Any new value creates a new key and then deletes the old one. */
  keyRotation: pattern(/^[A-Za-z0-9._-]{1,63}$/, "1 to 63 letters, digits, . _ and -").default("initial"),
});

/** A container image with a tag or a digest; `latest` and bare names are not reproducible. */
const imageReference = z.string({ error: "an image reference such as ethereum/client-go:v1.17.5 or repo@sha256:<64 hex>" }).superRefine((reference, ctx) => {
  const parsed = parseImageReference(reference);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: "an image reference such as ethereum/client-go:v1.17.5 or repo@sha256:<64 hex>" });
  } else if (!parsed.digest && (!parsed.tag || parsed.tag === "latest")) {
    ctx.addIssue({ code: "custom", message: "must name a version tag or a sha256 digest (not latest, not bare)" });
  }
});

const nodeFields = z.strictObject({
  /** The Ethereum network the node follows. Preset: hoodi, sepolia or mainnet. */
  network: z.enum(networkNames, { error: `one of ${networkNames.join(", ")}` }).optional(),
  /** Compute Engine machine type; checked for enough memory below. */
  machineType: pattern(/^[a-z0-9-]+$/, "a Compute Engine machine type such as n2-highmem-8").optional(),
  /** Chain data disk size in GB; at least the network's minimum, at most 65536. */
  dataDiskSizeGb: integer(10, 65536, "GB").optional(),
  /** pd-ssd, pd-balanced or hyperdisk-balanced, as the machine family allows: geth on pd-standard (HDD) cannot keep up with the chain. */
  dataDiskType: z.enum(diskTypes, { error: `one of ${diskTypes.join(", ")} (pd-standard is too slow for geth)` }).optional(),
  /** Provisioned IOPS of a hyperdisk-balanced data disk; default: Google's for the size. */
  dataDiskIops: integer(diskLimits["hyperdisk-balanced"].iops![0], diskLimits["hyperdisk-balanced"].iops![1], "IOPS (Hyperdisk Balanced)").optional(),
  /** Provisioned throughput (MiB/s) of a hyperdisk-balanced data disk; default: Google's for the size. */
  dataDiskThroughputMibps: integer(diskLimits["hyperdisk-balanced"].throughputMibps![0], diskLimits["hyperdisk-balanced"].throughputMibps![1], "MiB/s (Hyperdisk Balanced)").optional(),
  /** geth's --cache in MiB. */
  gethCache: integer(1024, 131072, "MiB").optional(),
  /** Zone of the VM and its disk; default: gcp:zone, else zone b of gcp:region. */
  zone: pattern(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/, "a zone such as europe-west1-b").optional(),
  /** geth's peer limit. */
  maxPeers: integer(10, 200, "peers").default(50),
  /**
   * Nodes, 1 to 10; default: the preset's (1; high-load 2). More than one is a regional
   * managed instance group with stateful chain disks behind an internal load balancer.
   */
  replicas: integer(1, 10, "nodes").optional(),
  /**
   * A node serves RPC behind the balancer only while geth's head is at most this old, in
   * seconds (24 to 3600, default 60: five mainnet slots). boot/health.py.
   */
  maxHeadAgeSeconds: integer(24, 3600, "seconds").default(60),
  /**
   * The group recreates a node whose chain has not moved (head, sync progress) for this
   * long, in seconds (600 to 21600, default 1800). A node that is behind but catching up
   * is left alone: it only leaves the balancer.
   */
  stalledAfterSeconds: integer(600, 21600, "seconds").default(1800),
  /**
   * Where a new node's chain disk comes from: "newest" (the newest snapshot of this
   * stack's schedule, looked up at deploy time; none yet: an empty disk that syncs from
   * scratch), "none", or a snapshot name or projects/<p>/global/snapshots/<name>.
   * Default: "newest" for a group, "none" for one VM (its disk already exists).
   */
  seedSnapshot: pattern(/^(none|newest|(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/global\/snapshots\/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?)$/, "none, newest, or a snapshot name (projects/<project>/global/snapshots/<name> for another project's)").optional(),
  /** Checkpoint-sync endpoint of the beacon node; default: a public one for the network. */
  checkpointSyncUrl: pattern(/^https:\/\/[^\s]+$/, "an https:// URL").optional(),
  /**
   * Days ahead (1 to 365, default 30) that the plan warns of a network upgrade the pinned
   * clients do not schedule, and of the end of Prometheus's or Grafana's support window
   * (data/network-upgrades.json, data/client-support.json). Past the date it refuses.
   */
  lookaheadDays: integer(1, 365, "days").default(30),
  /**
   * Image overrides of the node's containers (geth, lighthouse, prometheus, grafana,
   * health). Each names a release tag (a digest may follow): the plan checks geth's and
   * Lighthouse's against the network's upgrades and security releases, Prometheus's and
   * Grafana's against their support windows.
   */
  images: z
    .strictObject(Object.fromEntries(Object.keys(defaultImages).map((name) => [name, imageReference.optional()])) as Record<keyof typeof defaultImages, z.ZodOptional<typeof imageReference>>)
    .default({}),
});

/** A DEFIMON service container on the host. */
const serviceSchema = z.strictObject({
  image: imageReference,
  /** The port it serves on, published on the host (reachable per defimon:access). */
  port: integer(1024, 65535, "(a port above 1023)").optional(),
  /** Overrides the image's command. */
  command: z.array(z.string({ error: "a list of strings" }), { error: "a list of strings" }).optional(),
});

/** Ports the node's own containers use; services may not take them. */
export const reservedHostPorts = [...new Set(Object.values(ports))].sort((a, b) => a - b);

const cidrList = z
  .array(z.string({ error: "a CIDR range such as 203.0.113.0/24" }), { error: "a list of CIDR ranges" })
  .superRefine((ranges, ctx) => {
    ranges.forEach((range, index) => {
      if (!parseCidr(range)) {
        ctx.addIssue({ code: "custom", path: [index], message: "a CIDR range such as 203.0.113.0/24 or 2001:db8::/32" });
      } else if (isWholeInternet(range)) {
        ctx.addIssue({ code: "custom", path: [index], message: "must not open to the whole internet; name the ranges that need access, or use the IAP tunnel" });
      }
    });
    // A VPC firewall rule takes IPv4 or IPv6 source ranges, not both (Google's VPC firewall rules docs: "Sources for ingress rules").
    const families = new Set(ranges.map((range) => parseCidr(range)?.family).filter((family) => family !== undefined));
    if (families.size > 1) ctx.addIssue({ code: "custom", message: "mixes IPv4 and IPv6 ranges, and a firewall rule takes one family (Google refuses the rule): keep one family here" });
    // However the ranges are split (0.0.0.0/1 + 128.0.0.0/1 is the whole internet too).
    const open = ranges.every((range) => parseCidr(range) && !isWholeInternet(range)) && tooOpen(ranges);
    if (open) ctx.addIssue({ code: "custom", message: `together they open to ${open}; name narrower ranges, or use the IAP tunnel` });
  })
  .default([]);

const accessSchema = z.strictObject({
  /** Who may reach JSON-RPC/WS (8545/8546) and the DEFIMON service ports directly. Default: nobody (IAP only). */
  rpcSourceRanges: cidrList,
  /** Who may reach Grafana (3002) and Prometheus (9090) directly. Default: nobody (IAP only). */
  adminSourceRanges: cidrList,
});

const alertsSchema = z.strictObject({
  /** Who is notified; none means the policies exist but notify nobody. */
  emails: emailList(20, "at most 20 addresses").default([]),
  /** Preset: 1800 / 900 / 300 s. */
  oldestUnackedAgeSeconds: integer(60, 7 * 86400, "seconds").optional(),
  /** Preset: 10000 / 100000 / 1000000. */
  backlogMessages: integer(1, 1_000_000_000, "messages").optional(),
  diskUsedPercent: integer(50, 99, "percent").default(85),
  memoryUsedPercent: integer(50, 99, "percent").default(90),
  /** Page when geth's head block has not moved for this long. */
  headStallMinutes: integer(5, 240, "minutes").default(15),
});

const snapshotsSchema = z.strictObject({
  /** Preset: 3 / 7 / 14 days. */
  retentionDays: integer(1, 365, "days").optional(),
  /** Daily start time, UTC, on the hour (GCP's rule for daily schedules). */
  startTime: pattern(/^([01][0-9]|2[0-3]):00$/, "HH:00 in UTC, on the hour").default("03:00"),
});

/** An optional monthly budget on the project, alerting at 50, 90 and 100 %. */
const budgetSchema = z.strictObject({
  billingAccount: pattern(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "a billing account ID such as 012345-6789AB-CDEF01"),
  monthlyAmount: integer(1, 10_000_000, "(whole currency units)"),
  currency: z
    .string({ error: "an ISO 4217 code such as USD or EUR (the billing account's currency)" })
    .refine((code) => currencies.codes.includes(code), { error: "an ISO 4217 code such as USD or EUR (the billing account's currency; data/iso-4217.json)" })
    .default("USD"),
  /**
   * Who the budget e-mails besides billing admins: at most 5 (the Budget API's limit on
   * notification channels), each one of defimon:alerts.emails. Default: alerts.emails.
   */
  emails: emailList(5, "at most 5 addresses (a budget notifies at most 5 channels)").optional(),
});

/** Expected Pub/Sub volume, for the plan's cost estimate only. */
const costSchema = z.strictObject({
  messagesPerMonth: integer(0, 1e12, "messages").optional(),
  averageMessageBytes: integer(1, 10_000_000, "bytes (Pub/Sub's limit is 10 MB)").optional(),
  /** The node's internet egress (P2P) a month, in GiB. Default: data/service-prices.json's, with its source. */
  egressGibPerMonth: integer(0, 1_000_000, "GiB a month").optional(),
});

export const stackConfigSchema = z
  .strictObject({
    preset: z.enum(presetNames, { error: `one of ${presetNames.join(", ")}` }),
    protect: z.boolean({ error: "true or false" }).default(false),
    labels: z
      .record(labelKey, labelValue)
      .refine((labels) => Object.keys(labels).length <= 60, { error: "at most 60 labels (GCP allows 64, the stack adds its own)" })
      .default({ team: "defimon" }),
    pubsub: pubsubSchema.default(() => pubsubSchema.parse({})),
    eventStream: eventStreamSchema.default({}),
    kms: kmsSchema.default(() => kmsSchema.parse({})),
    serviceAccount: serviceAccountSchema.default(() => serviceAccountSchema.parse({})),
    node: nodeFields.default(() => nodeFields.parse({})),
    access: accessSchema.default(() => accessSchema.parse({})),
    alerts: alertsSchema.default(() => alertsSchema.parse({})),
    snapshots: snapshotsSchema.default(() => snapshotsSchema.parse({})),
    cost: costSchema.default({}),
    // {} (Pulumi.yaml's default: a declared key needs one, or the CLI requires it) is no budget.
    budget: z.preprocess((value) => (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0 ? undefined : value), budgetSchema.optional()),
    services: z.record(serviceName, serviceSchema).default({}),
    consumers: consumersSchema.default(() => consumersSchema.parse(defaultConsumers)),
    publishers: z.array(identityName, { error: "a list of service names" }).default(defaultPublishers),
    analytics: analyticsSchema.default(() => analyticsSchema.parse({})),
  })
  .transform((config) => {
    const { images, ...nodeOverrides } = config.node;
    const sizing: NodeSizing = { ...presets[config.preset].node, ...definedOnly(nodeOverrides) };
    const operations = presets[config.preset].operations;
    /** The preset's figures with the stack's overrides on top. */
    const eventStream = { ...presets[config.preset].eventStream, ...config.eventStream } as EventStreamSettings;
    return {
      ...config,
      alerts: {
        ...config.alerts,
        oldestUnackedAgeSeconds: config.alerts.oldestUnackedAgeSeconds ?? operations.oldestUnackedAgeSeconds,
        backlogMessages: config.alerts.backlogMessages ?? operations.backlogMessages,
      },
      snapshots: { ...config.snapshots, retentionDays: config.snapshots.retentionDays ?? operations.snapshotRetentionDays },
      budget: config.budget && { ...config.budget, emails: config.budget.emails ?? config.alerts.emails },
      cost: {
        messagesPerMonth: config.cost.messagesPerMonth ?? operations.messagesPerMonth,
        averageMessageBytes: config.cost.averageMessageBytes ?? operations.averageMessageBytes,
        egressGibPerMonth: config.cost.egressGibPerMonth ?? servicePrices.egress.defaultGibPerMonth,
        // What the services are told to batch: messages per publish and per pull request.
        publishBatchSize: eventStream.batchSize,
        pullBatchSize: eventStream.maxMessages,
      },
      eventStream,
      /** Each consumer with every setting resolved: its own, else defimon:pubsub's. */
      consumers: Object.fromEntries(
        Object.entries(config.consumers).map(([name, consumer]) => {
          const { topic, ...guide } = config.pubsub;
          return [name, { ...guide, ...definedOnly(consumer), subscription: (consumer.subscription ?? `{topic}-${name}`).replace(/\{topic\}/g, topic) }];
        }),
      ),
      node: {
        ...sizing,
        zone: nodeOverrides.zone,
        maxPeers: nodeOverrides.maxPeers,
        maxHeadAgeSeconds: nodeOverrides.maxHeadAgeSeconds,
        stalledAfterSeconds: nodeOverrides.stalledAfterSeconds,
        lookaheadDays: nodeOverrides.lookaheadDays,
        seedSnapshot: nodeOverrides.seedSnapshot ?? (sizing.replicas > 1 ? "newest" : "none"),
        checkpointSyncUrl: nodeOverrides.checkpointSyncUrl ?? networks[sizing.network].checkpointSyncUrl,
        images: { ...defaultImages, ...definedOnly(images) },
      },
    };
  })
  .superRefine((config, ctx) => {
    // Rules that need the preset's sizing and the overrides together (the machine type
    // and disk type need the region too: hostProblems, below).
    const { node } = config;
    const minDisk = networks[node.network].minDataDiskGb;
    if (node.dataDiskSizeGb < minDisk) {
      ctx.addIssue({
        code: "custom",
        path: ["node", "dataDiskSizeGb"],
        input: node.dataDiskSizeGb,
        message: `too small for ${node.network}: at least ${minDisk} GB`,
      });
    }
    if (config.budget) {
      // Filled in from alerts.emails when not set; a list of its own over 5 fails above.
      if (config.budget.emails.length > 5) {
        ctx.addIssue({
          code: "custom",
          path: ["budget", "emails"],
          input: undefined,
          message: `a budget notifies at most 5 channels and defimon:alerts.emails has ${config.budget.emails.length}: name up to 5 of them here`,
        });
      }
      const alertEmails = new Set(config.alerts.emails.map((email) => email.toLowerCase()));
      config.budget.emails.forEach((email, index) => {
        if (!alertEmails.has(email.toLowerCase())) {
          ctx.addIssue({ code: "custom", path: ["budget", "emails", index], message: "must be one of defimon:alerts.emails (the budget reuses their channels)" });
        }
      });
    }
    const subscriptions = new Map<string, string>();
    for (const [name, consumer] of Object.entries(config.consumers)) {
      const at = ["consumers", name];
      backoffOrder(consumer, at, ctx);
      const other = subscriptions.get(consumer.subscription);
      if (other) ctx.addIssue({ code: "custom", path: [...at, "subscription"], input: consumer.subscription, message: `is consumer ${other}'s subscription too; each consumer group needs its own` });
      if (consumer.subscription.length < 3) {
        ctx.addIssue({ code: "custom", path: [...at, "subscription"], input: consumer.subscription, message: "3 characters at least (Pub/Sub refuses shorter IDs)" });
      }
      if (consumer.subscription === config.pubsub.topic || consumer.subscription.length > 243) {
        ctx.addIssue({ code: "custom", path: [...at, "subscription"], input: consumer.subscription, message: "must differ from the topic and leave room for -dead-letter (at most 243 characters)" });
      }
      subscriptions.set(consumer.subscription, name);
    }
    // Beyond consumer against consumer: a consumer's subscription against another's
    // dead-letter reader or a sink's (the plan would pass, Pub/Sub answer 409).
    const seen = new Map<string, { of: string; consumer?: string; reader: boolean }>();
    for (const entry of busSubscriptions(config)) {
      const other = seen.get(entry.name);
      // Two consumers' own subscriptions are reported above; two readers collide only when their sources do.
      if (other && !(other.reader && entry.reader) && (other.reader || entry.reader || !other.consumer || !entry.consumer)) {
        const consumer = entry.consumer ?? other.consumer!;
        ctx.addIssue({ code: "custom", path: ["consumers", consumer, "subscription"], input: entry.name, message: `${entry.name} would be both ${other.of} and ${entry.of}; every subscription of the stack needs its own ID` });
      }
      seen.set(entry.name, entry);
    }
    new Set(config.publishers).size !== config.publishers.length &&
      ctx.addIssue({ code: "custom", path: ["publishers"], input: config.publishers, message: "names a publisher twice" });
    if (node.maxHeadAgeSeconds >= node.stalledAfterSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["node", "maxHeadAgeSeconds"],
        input: node.maxHeadAgeSeconds,
        message: `must be shorter than defimon:node.stalledAfterSeconds (${node.stalledAfterSeconds}): a node would keep serving a head too old to move until it is recreated`,
      });
    }
    if (node.replicas > 1) {
      if (node.zone !== undefined) {
        ctx.addIssue({ code: "custom", path: ["node", "zone"], input: node.zone, message: `a group of ${node.replicas} nodes spreads over every zone of the region: leave it unset (or set defimon:node.replicas to 1)` });
      }
      for (const name of Object.keys(config.services).filter((service) => config.publishers.includes(service))) {
        ctx.addIssue({
          code: "custom",
          path: ["services", name],
          message: `is a publisher (defimon:publishers) and would run on each of the ${node.replicas} nodes, publishing every event ${node.replicas} times: run it off the nodes, or set defimon:node.replicas to 1`,
        });
      }
    }
    const portOwners = new Map<number, string>();
    for (const [name, service] of Object.entries(config.services)) {
      if (service.port !== undefined && portOwners.has(service.port)) {
        ctx.addIssue({ code: "custom", path: ["services", name, "port"], message: `is already taken by service ${portOwners.get(service.port)}` });
      }
      if (service.port !== undefined) portOwners.set(service.port, name);
      if (name in defaultImages) {
        ctx.addIssue({ code: "custom", path: ["services", name], message: `is the name of one of the node's own containers (${Object.keys(defaultImages).join(", ")})` });
      }
      if (service.port !== undefined && reservedHostPorts.includes(service.port)) {
        ctx.addIssue({ code: "custom", path: ["services", name, "port"], message: `is taken by the node (${reservedHostPorts.join(", ")})` });
      }
    }
  });

/** The entries of `record` whose value is set. */
function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export type StackConfig = ReturnType<typeof parseStackConfig>;
export type PubsubConfig = StackConfig["pubsub"];
export type KmsConfig = StackConfig["kms"];
export type ServiceAccountConfig = StackConfig["serviceAccount"];
export type NodeConfig = StackConfig["node"];
export type AccessConfig = StackConfig["access"];
export type ServicesConfig = StackConfig["services"];
export type AlertsConfig = StackConfig["alerts"];
export type SnapshotsConfig = StackConfig["snapshots"];
export type ConsumerConfig = StackConfig["consumers"][string];
export type AnalyticsConfig = StackConfig["analytics"];
export type { PresetName };

/** The keys this program reads; anything else under `defimon:` is a mistake. */
export const configKeys = Object.keys(stackConfigSchema.in.shape);

/** Known keys per object-valued key, for the "unknown key" message. */
const sectionKeys: Record<string, string[]> = {
  pubsub: Object.keys(pubsubFields.shape),
  eventStream: Object.keys(eventStreamSchema.shape),
  kms: Object.keys(kmsSchema.shape),
  serviceAccount: Object.keys(serviceAccountSchema.shape),
  node: Object.keys(nodeFields.shape),
  access: Object.keys(accessSchema.shape),
  alerts: Object.keys(alertsSchema.shape),
  snapshots: Object.keys(snapshotsSchema.shape),
  cost: Object.keys(costSchema.shape),
  budget: Object.keys(budgetSchema.shape),
  analytics: Object.keys(analyticsSchema.shape),
  consumers: Object.keys(consumerFields.shape),
};

// ---------------------------------------------------------------------------
// Reading and reporting.

/** Thrown for bad configuration: one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/**
 * The `defimon:` keys of a Pulumi config map as values: the engine hands objects,
 * numbers and booleans over as JSON text, plain strings as they are.
 */
export function namespaceValues(all: Record<string, string>, namespace = configNamespace): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    const [ns, key] = fullKey.split(/:(.*)/s);
    if (ns === namespace && key !== undefined) values[key] = engineValue(text);
  }
  return values;
}

/** One value of the engine's map: JSON for objects, numbers and booleans, else the text. */
function engineValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as any)[key] : undefined), root);
}


/** `defimon:pubsub.ackDeadlineSeconds`, `defimon:labels["Team"]`. */
function keyName(path: PropertyKey[]): string {
  return path.reduce<string>((name, part, index) => {
    if (index === 0) return `${configNamespace}:${String(part)}`;
    return typeof part === "number" ? `${name}[${part}]` : /^[A-Za-z_][\w-]*$/.test(String(part)) ? `${name}.${String(part)}` : `${name}[${quoted(String(part), 40)}]`;
  }, "");
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = issue.path.length === 0 ? configKeys : (sectionKeys[String(issue.path[0])] ?? []);
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const [section, ...rest] = key.split(".");
      if (issue.path.length === 0 && rest.length && configKeys.includes(section)) {
        // What `pulumi config set --path` reads as a path is one flat key in a stack file.
        return `${keyName(path)} = ${quoted(valueAt(input, path))}: a dotted name is one flat key in a stack file; nest it under ${configNamespace}:${section} (pulumi config set --path '${configNamespace}:${key}' <value> writes it so)`;
      }
      const allowed = known.length ? `; known keys: ${known.join(", ")}` : "";
      return `${keyName(path)} = ${quoted(valueAt(input, path))}: unknown key${allowed}`;
    });
  }
  if (issue.code === "invalid_key") {
    // The path ends with the offending key itself.
    const key = issue.path[issue.path.length - 1];
    return [`${keyName(issue.path.slice(0, -1))} has key ${quoted(key)}: ${issue.issues[0]?.message ?? issue.message}`];
  }
  // Rules on resolved values (preset plus overrides) report the value they judged.
  const value = valueAt(input, issue.path) ?? (issue as { input?: unknown }).input;
  // yaml.v3 reads an unquoted date as a time, which Pulumi stores as Go prints it.
  const date = typeof value === "string" && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4} \S+$/.test(value) ? "; YAML read an unquoted date as a time (Pulumi stores it so): quote it" : "";
  return [`${keyName(issue.path)} = ${quoted(value)}: ${issue.message}${date}`];
}

/** The provider's location settings the stack depends on (`gcp:region`, `gcp:zone`). */
export interface ProviderLocation {
  region?: string;
  zone?: string;
}

const regionList = `one of the ${offeredRegions.length} regions in data/gce-catalog.json (${offeredRegions.slice(0, 3).join(", ")}, ...)`;

/**
 * Region and zone of the Geth host: defimon:node.zone, else gcp:zone, else the region's
 * first zone. Both must exist (data/gce-catalog.json): Compute Engine refuses anything else.
 */
function resolveLocation(nodeZone: string | undefined, provider: ProviderLocation): { region: string; zone: string } | string {
  if (provider.region !== undefined && !isOfferedRegion(provider.region)) {
    return `gcp:region = ${quoted(provider.region)}: ${regionList}`;
  }
  const zoneKey = nodeZone !== undefined ? "defimon:node.zone" : "gcp:zone";
  const zone = nodeZone ?? provider.zone ?? (provider.region ? zonesOf(provider.region)[0] : undefined);
  if (!zone) return "gcp:region = (not set): a region such as europe-west1 (or set defimon:node.zone)";
  const region = regionOfZone(zone);
  if (provider.region && provider.region !== region) {
    return `${zoneKey} = ${quoted(zone)}: must lie in gcp:region ${provider.region} (${zonesOf(provider.region).join(", ")})`;
  }
  if (!isOfferedRegion(region)) return `${zoneKey} = ${quoted(zone)}: its region ${region} is not ${regionList}`;
  if (!zonesOf(region).includes(zone)) return `${zoneKey} = ${quoted(zone)}: no such zone; ${region} has ${zonesOf(region).join(", ")}`;
  return { region, zone };
}

type ParsedConfig = z.output<typeof stackConfigSchema>;

/**
 * Rules on the host that need its region: the machine type exists there, its memory
 * covers geth, Lighthouse and the rest, and the family can attach the data disk type.
 */
function hostProblems(node: ParsedConfig["node"], region: string): string[] {
  const problems: string[] = [];
  const key = (field: string, value: unknown) => `defimon:node.${field} = ${quoted(value)}`;
  const shape = machineTypeIn(region, node.machineType);
  if (typeof shape === "string") return [`${key("machineType", node.machineType)}: ${shape}`];
  const needed = requiredMemoryMb(node.network, node.gethCache);
  if (shape.memoryMb < needed) {
    problems.push(`${key("machineType", node.machineType)}: has ${shape.memoryMb} MiB; geth cache ${node.gethCache} MiB plus geth, Lighthouse on ${node.network} and the other containers need ${needed} MiB`);
  }
  const allowed = familyDiskTypes[shape.family];
  if (!allowed.includes(node.dataDiskType)) {
    problems.push(`${key("dataDiskType", node.dataDiskType)}: ${shape.family} machines attach only ${allowed.join(", ")}`);
  }
  const limits = diskLimits[node.dataDiskType];
  if (node.dataDiskSizeGb < limits.minGb || node.dataDiskSizeGb > limits.maxGb) {
    problems.push(`${key("dataDiskSizeGb", node.dataDiskSizeGb)}: ${node.dataDiskType} takes ${limits.minGb} to ${limits.maxGb} GB`);
  }
  if (node.replicas > 1 && zonesOf(region).length < 2) {
    problems.push(`${key("replicas", node.replicas)}: a group spreads its nodes over zones, and ${region} has ${zonesOf(region).length}; set 1 or another region`);
  }
  for (const field of ["dataDiskIops", "dataDiskThroughputMibps"] as const) {
    if (node[field] !== undefined && node.dataDiskType !== "hyperdisk-balanced") {
      problems.push(`${key(field, node[field])}: only a hyperdisk-balanced disk takes provisioned performance (dataDiskType is ${node.dataDiskType})`);
    }
  }
  return problems;
}

/** What the plan says of a valid host: a disk whose performance its machine cannot reach. */
function hostWarnings(node: ParsedConfig["node"], location: { region: string; zone: string }): string[] {
  const shape = machineTypeIn(location.region, node.machineType);
  if (typeof shape === "string") return [];
  const unreachable = unreachablePerformance(node.machineType, shape.family, shape.vcpus, node.dataDiskType, node.dataDiskSizeGb);
  // A group puts nodes in every zone of the region; one VM sits in its zone.
  const zones = node.replicas > 1 ? zonesOf(location.region) : [location.zone];
  const lacking = zonesLacking(node.machineType, zones);
  const gap = lacking.length
    ? `defimon:node.machineType = ${quoted(node.machineType)}: ${lacking.join(", ")} did not offer it in the per-zone export of ${gceCatalogSource.zoneTypes?.replace(/^.* as of /, "") ?? "the catalog"} (data/gce-catalog.json zoneGaps), though ${location.region} does; if Compute Engine refuses it there, ${node.replicas > 1 ? "pick a type every zone offers" : "set defimon:node.zone to another zone"}`
    : undefined;
  return [unreachable, gap].filter((line): line is string => line !== undefined);
}

/**
 * Settings that do nothing as the rest stands, and labels the stack sets over: read from
 * the raw input (a default is not a choice), said as warnings.
 */
function settingWarnings(raw: Record<string, unknown>, config: ParsedConfig): string[] {
  const warnings: string[] = [];
  const analytics = (raw.analytics ?? {}) as Record<string, unknown>;
  const defaults = analyticsSchema.parse({}) as Record<string, unknown>;
  const unused = (keys: string[], off: string) =>
    keys.filter((key) => analytics[key] !== undefined && analytics[key] !== defaults[key]).forEach((key) => warnings.push(`defimon:analytics.${key} = ${quoted(analytics[key])}: does nothing while defimon:analytics.${off} is false`));
  if (!config.analytics.bigQuery) unused(["dataset", "table", "partitionExpirationDays"], "bigQuery");
  if (!config.analytics.archive) unused(["archiveRetentionDays"], "archive");
  for (const key of Object.keys(config.labels).filter((label) => stackLabelKeys.includes(label))) {
    warnings.push(`defimon:labels.${key} = ${quoted(config.labels[key])}: the stack sets this label itself (${key === "managed-by" ? "pulumi" : "the stack's name"}) on every resource, over this value`);
  }
  return warnings;
}

/** Where a failing value sits in the raw input: an array's problems take the whole array out. */
function repairPaths(issue: z.core.$ZodIssue): PropertyKey[][] {
  const path = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
  return path.map((p) => {
    const inArray = p.findIndex((part) => typeof part === "number");
    return inArray >= 0 ? p.slice(0, inArray) : p;
  });
}

/** `raw` without the values at `paths` (a deep copy; the defaults then apply). */
function without(raw: Record<string, unknown>, paths: PropertyKey[][]): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const path of paths) {
    if (!path.length) continue;
    const parent = valueAt(copy, path.slice(0, -1));
    if (parent !== null && typeof parent === "object") delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
  }
  return copy;
}

/**
 * Validates raw `defimon:` values; throws ConfigError listing every problem.
 *
 * All at once: zod runs a rule across fields (backoff bounds, disk against network,
 * memory against cache) only once every field it reads is valid. So the input is judged
 * again with the failing values taken out (their defaults apply), a bounded number of
 * rounds, and the cross-field problems of what remains are reported in the same run.
 */
export function parseStackConfig(raw: Record<string, unknown>, provider: ProviderLocation = { region: "europe-west1" }, at: Date = clock.now()) {
  const lines: string[] = [];
  let input = raw;
  let result = stackConfigSchema.safeParse(input, { reportInput: true });
  for (let round = 0; round < 4 && !result.success; round += 1) {
    lines.push(...result.error.issues.flatMap((issue) => describeIssue(issue, raw)));
    const next = without(input, result.error.issues.flatMap(repairPaths));
    if (JSON.stringify(next) === JSON.stringify(input)) break;
    input = next;
    result = stackConfigSchema.safeParse(input, { reportInput: true });
  }
  const location = resolveLocation(result.success ? result.data.node.zone : undefined, provider);
  if (typeof location === "string") lines.push(location);
  else if (result.success) lines.push(...hostProblems(result.data.node, location.region));
  const currency = result.success ? clientCurrency({ network: result.data.node.network, images: result.data.node.images, now: at, lookaheadDays: result.data.node.lookaheadDays }) : undefined;
  lines.push(...(currency?.problems ?? []));
  if (lines.length || !result.success || typeof location === "string") throw new ConfigError([...new Set(lines)]);
  return {
    ...result.data,
    // A group spreads its nodes evenly over every zone of the region.
    node: { ...result.data.node, ...location, groupZones: zonesOf(location.region) },
    /** What the plan warns of (pulumi.log.warn): upgrades and support ends ahead, disk performance the machine cannot reach. */
    warnings: [...(currency?.notices ?? []), ...hostWarnings(result.data.node, location), ...settingWarnings(raw, result.data)],
  };
}

/** Namespaces a stack's config may use: the stack's own, the provider's and Pulumi's. */
export const configNamespaces = [configNamespace, "gcp", "pulumi"];

/** Google's rule for project IDs: 6 to 30 lowercase letters, digits and hyphens, a letter first, no hyphen last. */
const projectIdPattern = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * The whole engine config map (`namespace:key` to text) checked and parsed: keys in
 * unknown namespaces (a typo such as `defimn:node` would drop a whole block), the
 * provider's project, and every `defimon:` key. Every entry point reads config here.
 */
export function parseEngineConfig(all: Record<string, string>): StackConfig {
  const lines: string[] = [];
  for (const key of Object.keys(all).sort()) {
    const namespace = key.includes(":") ? key.split(":")[0] : "";
    if (!configNamespaces.includes(namespace)) {
      lines.push(`${key} = ${quoted(engineValue(all[key]))}: unknown namespace "${namespace}"; config keys are ${configNamespaces.map((ns) => `${ns}:...`).join(", ")}`);
    }
  }
  const project = all["gcp:project"];
  if (project === undefined) lines.push("gcp:project = (not set): the Google Cloud project ID to deploy to (6 to 30 lowercase letters, digits and -)");
  else if (!projectIdPattern.test(project)) lines.push(`gcp:project = ${quoted(project)}: a project ID: 6 to 30 lowercase letters, digits and -, starting with a letter, not ending with -`);
  try {
    const config = parseStackConfig(namespaceValues(all), { region: all["gcp:region"], zone: all["gcp:zone"] });
    if (!lines.length) return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    lines.push(...error.problems);
  }
  throw new ConfigError(lines);
}

/**
 * The program's single entry to configuration. Bad input stops the program with
 * Pulumi's RunError, which prints the message alone, without a stack trace.
 */
export function loadStackConfig(): StackConfig {
  try {
    return parseEngineConfig(pulumi.runtime.allConfig());
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(`invalid stack configuration:\n${error.message}`);
    throw error;
  }
}
