import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, configKeys, namespaceValues, parseEngineConfig, parseStackConfig } from "../../lib/config";
import { presetNames, presets } from "../../lib/presets";

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("stack configuration", () => {
  it("fills in the guide's defaults around a preset", () => {
    const config = parseStackConfig({ preset: "small" });
    expect(config.protect).toBe(false);
    expect(config.labels).toEqual({ team: "defimon" });
    expect(config.pubsub).toEqual({
      topic: "defimon-events",
      ackDeadlineSeconds: 600,
      messageRetentionDuration: 7 * 86400,
      minimumBackoff: 1,
      maximumBackoff: 600,
      maxDeliveryAttempts: 5,
    });
    expect(config.kms).toEqual({ location: "global", keyRing: "defimon", cryptoKey: "pubsub-key", rotationPeriod: 90 * 86400 });
    // No JSON key unless asked: orgs created since 2024 forbid them.
    expect(config.serviceAccount).toEqual({ createKey: false, keyRotation: "initial" });
    // The guide's four consumers, each on its own subscription with the guide's settings;
    // stream processing keeps the guide's subscription name.
    const guide = { ackDeadlineSeconds: 600, messageRetentionDuration: 7 * 86400, minimumBackoff: 1, maximumBackoff: 600, maxDeliveryAttempts: 5, exactlyOnceDelivery: false, messageOrdering: false };
    expect(config.consumers).toEqual({
      "stream-processing": { ...guide, subscription: "defimon-events-sub" },
      "batch-processing": { ...guide, subscription: "defimon-events-batch-processing" },
      "ml-pipeline": { ...guide, subscription: "defimon-events-ml-pipeline" },
      "event-indexer": { ...guide, subscription: "defimon-events-event-indexer" },
    });
    expect(config.publishers).toEqual(["analytics-api", "ai-ml", "blockchain-node", "data-ingestion"]);
    expect(config.analytics).toEqual({ bigQuery: true, dataset: "defimon_events", table: "events", partitionExpirationDays: 0, archive: false, archiveRetentionDays: 365 });
  });

  it("lets a consumer override the guide's settings, and names subscriptions from the topic", () => {
    const config = parseStackConfig({ preset: "small", pubsub: { topic: "chain-events", ackDeadlineSeconds: 120 }, consumers: { "stream-processing": { subscription: "{topic}-sub" }, risk: { ackDeadlineSeconds: 30, filter: 'attributes.network = "mainnet"' } } });
    expect(config.consumers["stream-processing"]).toMatchObject({ subscription: "chain-events-sub", ackDeadlineSeconds: 120 });
    expect(config.consumers.risk).toMatchObject({ subscription: "chain-events-risk", ackDeadlineSeconds: 30, filter: 'attributes.network = "mainnet"' });
  });

  it.each(presetNames)("takes the event-stream figures of preset %s", (preset) => {
    expect(parseStackConfig({ preset }).eventStream).toEqual(presets[preset].eventStream);
  });

  it("has the guide's figures in the presets", () => {
    const figures = (name: (typeof presetNames)[number]) => {
      const { maxMessages, batchSize, maxConcurrentPublishers } = presets[name].eventStream;
      return [maxMessages, batchSize, maxConcurrentPublishers];
    };
    expect(figures("small")).toEqual([100, 50, 5]);
    expect(figures("standard")).toEqual([1000, 100, 10]);
    expect(figures("high-load")).toEqual([5000, 500, 20]);
    for (const name of presetNames) {
      expect(presets[name].eventStream).toMatchObject({ flushIntervalSeconds: 5, errorRetryAttempts: 3, errorRetryDelaySeconds: 5 });
    }
  });

  it("lets eventStream override single figures of the preset", () => {
    const config = parseStackConfig({ preset: "high-load", eventStream: { batchSize: 250, flushIntervalSeconds: 2 } });
    expect(config.eventStream).toEqual({ ...presets["high-load"].eventStream, batchSize: 250, flushIntervalSeconds: 2 });
  });

  it("accepts durations as seconds or with a unit", () => {
    const config = parseStackConfig({ preset: "small", pubsub: { messageRetentionDuration: "1h", minimumBackoff: 10, maximumBackoff: "5m" }, kms: { rotationPeriod: "30d" } });
    expect([config.pubsub.messageRetentionDuration, config.pubsub.minimumBackoff, config.pubsub.maximumBackoff]).toEqual([3600, 10, 300]);
    expect(config.kms.rotationPeriod).toBe(30 * 86400);
  });

  it("reads the engine's config map: JSON for objects and scalars, text for plain strings", () => {
    const values = namespaceValues({
      "defimon:preset": "high-load",
      "defimon:protect": "true",
      "defimon:pubsub": '{"ackDeadlineSeconds":60}',
      "gcp:project": "elsewhere",
    });
    expect(values).toEqual({ preset: "high-load", protect: true, pubsub: { ackDeadlineSeconds: 60 } });
  });

  // One row per rule: the bad input, and the line the user must see.
  it.each<[string, Record<string, unknown>, string]>([
    ["missing preset", { preset: undefined }, 'defimon:preset = (not set): one of small, standard, high-load'],
    ["unknown preset", { preset: "huge" }, 'defimon:preset = "huge": one of small, standard, high-load'],
    ["protect not a boolean", { protect: "yes" }, 'defimon:protect = "yes": true or false'],
    ["unknown top-level key", { pubsubb: {} }, "defimon:pubsubb = {}: unknown key; known keys: " + configKeys.join(", ")],
    ["unknown nested key", { pubsub: { ackDeadline: 60 } }, "defimon:pubsub.ackDeadline = 60: unknown key; known keys: topic,"],
    ["topic name too short", { pubsub: { topic: "ab" } }, 'defimon:pubsub.topic = "ab": 3 to 243 characters'],
    ["topic name starting with goog", { pubsub: { topic: "google-events" } }, "not with 'goog'"],
    ["topic name with a space", { pubsub: { topic: "defimon events" } }, 'defimon:pubsub.topic = "defimon events"'],
    ["topic name too long", { pubsub: { topic: "a".repeat(244) } }, "defimon:pubsub.topic ="],
    ["subscription starting with a digit", { pubsub: { subscription: "1sub" } }, 'defimon:pubsub.subscription = "1sub"'],
    ["a consumer's subscription equal to the topic", { pubsub: { topic: "events" }, consumers: { a: { subscription: "events" } } }, 'defimon:consumers.a.subscription = "events": must differ from the topic and leave room for -dead-letter'],
    // Found by test/scripts/bus/limits.test.ts: the pattern allowed one character before {topic} was resolved.
    ["a 2-character subscription", { consumers: { a: { subscription: "ab" } } }, 'defimon:consumers.a.subscription = "ab": 3 characters at least (Pub/Sub refuses shorter IDs)'],
    ["two consumers on one subscription", { consumers: { a: { subscription: "shared" }, b: { subscription: "shared" } } }, "defimon:consumers.b.subscription = \"shared\": is consumer a's subscription too; each consumer group needs its own"],
    // Pub/Sub would answer 409 to the second: one project holds every subscription of the stack.
    ["a consumer's subscription equal to another's dead-letter reader", { consumers: { a: { subscription: "orders" }, b: { subscription: "orders-dead-letter" } } }, 'defimon:consumers.b.subscription = "orders-dead-letter": orders-dead-letter would be both the reader of consumer a\'s dead letters and consumer b\'s subscription; every subscription of the stack needs its own ID'],
    ["a consumer's subscription equal to the BigQuery sink's", { consumers: { a: { subscription: "{topic}-bigquery" } } }, 'defimon:consumers.a.subscription = "{topic}-bigquery": defimon-events-bigquery would be both consumer a\'s subscription and the BigQuery sink\'s subscription'],
    ["a consumer's backoff bounds in the wrong order", { consumers: { a: { minimumBackoff: "5m", maximumBackoff: "1m" } } }, 'defimon:consumers.a.minimumBackoff = "5m": must not be longer than maximumBackoff (60s)'],
    ["a consumer's filter on the message's data", { consumers: { a: { filter: 'data.network = "mainnet"' } } }, 'defimon:consumers.a.filter = "data.network = \\"mainnet\\"": not a Pub/Sub filter: expected attributes.KEY'],
    ["a consumer's filter over 256 bytes", { consumers: { a: { filter: "x".repeat(257) } } }, "defimon:consumers.a.filter = "],
    ["an unknown consumer setting", { consumers: { a: { deadline: 10 } } }, "defimon:consumers.a.deadline = 10: unknown key; known keys: subscription, ackDeadlineSeconds"],
    ["a consumer with a bad name", { consumers: { ML: {} } }, 'defimon:consumers has key "ML": service names are 1 to 31 lowercase'],
    ["a publisher twice", { publishers: ["ai-ml", "ai-ml"] }, 'defimon:publishers = ["ai-ml","ai-ml"]: names a publisher twice'],
    ["a dataset name BigQuery refuses", { analytics: { dataset: "defimon-events" } }, 'defimon:analytics.dataset = "defimon-events": letters, digits and _'],
    ["ack deadline below 10 s", { pubsub: { ackDeadlineSeconds: 5 } }, "defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds"],
    ["ack deadline above 600 s", { pubsub: { ackDeadlineSeconds: 601 } }, "defimon:pubsub.ackDeadlineSeconds = 601: an integer from 10 to 600 seconds"],
    ["ack deadline not an integer", { pubsub: { ackDeadlineSeconds: 60.5 } }, "defimon:pubsub.ackDeadlineSeconds = 60.5: an integer"],
    ["retention below 10 minutes", { pubsub: { messageRetentionDuration: "5m" } }, 'defimon:pubsub.messageRetentionDuration = "5m": a duration from 10m to 7d'],
    ["retention above 7 days", { pubsub: { messageRetentionDuration: "8d" } }, 'defimon:pubsub.messageRetentionDuration = "8d": a duration from 10m to 7d'],
    ["retention not a duration", { pubsub: { messageRetentionDuration: "a week" } }, 'defimon:pubsub.messageRetentionDuration = "a week": a duration'],
    ["minimum backoff above 600 s", { pubsub: { minimumBackoff: "11m" } }, 'defimon:pubsub.minimumBackoff = "11m": a duration from 0s to 600s'],
    ["maximum backoff above 600 s", { pubsub: { maximumBackoff: 601 } }, "defimon:pubsub.maximumBackoff = 601: a duration from 0s to 600s"],
    ["backoff bounds in the wrong order", { pubsub: { minimumBackoff: "5m", maximumBackoff: "1m" } }, 'defimon:pubsub.minimumBackoff = "5m": must not be longer than maximumBackoff (60s)'],
    ["delivery attempts below 5", { pubsub: { maxDeliveryAttempts: 4 } }, "defimon:pubsub.maxDeliveryAttempts = 4: an integer from 5 to 100 attempts"],
    ["delivery attempts above 100", { pubsub: { maxDeliveryAttempts: 101 } }, "defimon:pubsub.maxDeliveryAttempts = 101: an integer from 5 to 100 attempts"],
    ["batch size above Pub/Sub's 1000", { eventStream: { batchSize: 1001 } }, "defimon:eventStream.batchSize = 1001: an integer from 1 to 1000"],
    ["zero max messages", { eventStream: { maxMessages: 0 } }, "defimon:eventStream.maxMessages = 0: an integer from 1"],
    ["publishers as text", { eventStream: { maxConcurrentPublishers: "ten" } }, 'defimon:eventStream.maxConcurrentPublishers = "ten": an integer from 1 to 100'],
    ["flush interval zero", { eventStream: { flushIntervalSeconds: 0 } }, "defimon:eventStream.flushIntervalSeconds = 0"],
    ["negative retry attempts", { eventStream: { errorRetryAttempts: -1 } }, "defimon:eventStream.errorRetryAttempts = -1"],
    ["retry delay above an hour", { eventStream: { errorRetryDelaySeconds: 3601 } }, "defimon:eventStream.errorRetryDelaySeconds = 3601"],
    ["rotation above 90 days", { kms: { rotationPeriod: "91d" } }, 'defimon:kms.rotationPeriod = "91d": a duration from 1d to 90d'],
    ["rotation below a day", { kms: { rotationPeriod: "12h" } }, 'defimon:kms.rotationPeriod = "12h": a duration from 1d to 90d'],
    ["key ring with a dot", { kms: { keyRing: "defimon.ring" } }, 'defimon:kms.keyRing = "defimon.ring": 1 to 63 characters'],
    ["crypto key too long", { kms: { cryptoKey: "k".repeat(64) } }, "defimon:kms.cryptoKey ="],
    ["unknown KMS location form", { kms: { location: "Europe West" } }, 'defimon:kms.location = "Europe West": global, a multi-region'],
    ["a shared account ID (each service has its own now)", { serviceAccount: { accountId: "defimon-service" } }, 'defimon:serviceAccount.accountId = "defimon-service": unknown key; known keys: createKey, keyRotation'],
    ["createKey not a boolean", { serviceAccount: { createKey: "no" } }, 'defimon:serviceAccount.createKey = "no": true or false'],
    ["key rotation with a space", { serviceAccount: { keyRotation: "next month" } }, 'defimon:serviceAccount.keyRotation = "next month"'],
    ["label key with upper case", { labels: { Team: "defimon" } }, 'defimon:labels has key "Team": label keys are 1 to 63 lowercase'],
    ["label value with upper case", { labels: { team: "DeFiMon" } }, 'defimon:labels.team = "DeFiMon": label values are 0 to 63 lowercase'],
    ["a budget with more than 5 addresses", { alerts: { emails: ["a@x.io", "b@x.io"] }, budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 10, emails: ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"] } }, "defimon:budget.emails = [\"a@x.io\",\"b@x.io\",\"c@x.io\",\"d@x.io\",\"e@x.io\",\"f@x.io\"]: at most 5 addresses (a budget notifies at most 5 channels)"],
    ["a budget inheriting 6 alert addresses", { alerts: { emails: ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"] }, budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 10 } }, "defimon:budget.emails = (not set): a budget notifies at most 5 channels and defimon:alerts.emails has 6: name up to 5 of them here"],
    ["a budget address that is no alert address", { alerts: { emails: ["a@x.io"] }, budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 10, emails: ["z@x.io"] } }, 'defimon:budget.emails[0] = "z@x.io": must be one of defimon:alerts.emails (the budget reuses their channels)'],
    ["too many labels", { labels: Object.fromEntries(Array.from({ length: 61 }, (_, i) => [`l${i}`, "x"])) }, "defimon:labels = {"],
  ])("rejects %s with one line naming key, value and what is allowed", (_rule, raw, expected) => {
    const lines = problems({ preset: "small", ...raw });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
    expect(lines[0]).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  // The Geth host's rules: one row each, the bad input and the line the user sees.
  it.each<[string, Record<string, unknown>, string]>([
    ["unknown network", { node: { network: "goerli" } }, 'defimon:node.network = "goerli": one of mainnet, sepolia, hoodi'],
    ["disk too small for mainnet", { preset: "high-load", node: { dataDiskSizeGb: 1000 } }, "defimon:node.dataDiskSizeGb = 1000: too small for mainnet: at least 2000 GB"],
    ["preset disk too small for a switched network", { node: { network: "mainnet", machineType: "n2-highmem-8" } }, "defimon:node.dataDiskSizeGb = 400: too small for mainnet: at least 2000 GB"],
    ["machine too small for the cache", { preset: "high-load", node: { machineType: "n2-standard-4" } }, 'defimon:node.machineType = "n2-standard-4": has 16384 MiB; geth cache 8192 MiB plus geth, Lighthouse on mainnet and the other containers need 30720 MiB'],
    ["cache too large for the machine", { node: { gethCache: 16384 } }, 'defimon:node.machineType = "e2-standard-4": has 16384 MiB; geth cache 16384 MiB'],
    ["unknown machine type", { node: { machineType: "e2-micro" } }, 'defimon:node.machineType = "e2-micro": no such machine type in europe-west1; e2 there: e2-highcpu-2'],
    ["machine type of a valid shape that does not exist", { node: { machineType: "n2-standard-7" } }, 'defimon:node.machineType = "n2-standard-7": no such machine type in europe-west1'],
    ["Arm machine family", { node: { machineType: "c4a-standard-8" } }, 'defimon:node.machineType = "c4a-standard-8": not a machine family this stack offers'],
    ["HDD data disk", { node: { dataDiskType: "pd-standard" } }, 'defimon:node.dataDiskType = "pd-standard": one of pd-balanced, pd-ssd, hyperdisk-balanced (pd-standard is too slow for geth)'],
    ["Persistent Disk on a Hyperdisk-only family", { node: { machineType: "n4-standard-8", dataDiskType: "pd-ssd" } }, 'defimon:node.dataDiskType = "pd-ssd": n4 machines attach only hyperdisk-balanced'],
    ["Hyperdisk on a Persistent Disk family", { node: { dataDiskType: "hyperdisk-balanced" } }, 'defimon:node.dataDiskType = "hyperdisk-balanced": e2 machines attach only pd-balanced, pd-ssd'],
    ["provisioned IOPS on Persistent Disk", { node: { dataDiskIops: 5000 } }, 'defimon:node.dataDiskIops = 5000: only a hyperdisk-balanced disk takes provisioned performance (dataDiskType is pd-balanced)'],
    ["IOPS above Hyperdisk Balanced's limit", { node: { machineType: "n4-standard-8", dataDiskType: "hyperdisk-balanced", dataDiskIops: 200000 } }, "defimon:node.dataDiskIops = 200000: an integer from 3000 to 160000 IOPS (Hyperdisk Balanced)"],
    ["throughput above Hyperdisk Balanced's limit", { node: { machineType: "n4-standard-8", dataDiskType: "hyperdisk-balanced", dataDiskThroughputMibps: 5000 } }, "defimon:node.dataDiskThroughputMibps = 5000: an integer from 140 to 2400 MiB/s"],
    ["cache below 1 GiB", { node: { gethCache: 512 } }, "defimon:node.gethCache = 512: an integer from 1024 to 131072 MiB"],
    ["peers above 200", { node: { maxPeers: 500 } }, "defimon:node.maxPeers = 500: an integer from 10 to 200 peers"],
    ["zone that is not a zone", { node: { zone: "europe-west1" } }, 'defimon:node.zone = "europe-west1": a zone such as europe-west1-b'],
    ["zone outside the region", { node: { zone: "us-east1-b" } }, 'defimon:node.zone = "us-east1-b": must lie in gcp:region europe-west1 (europe-west1-b, europe-west1-c, europe-west1-d)'],
    ["zone that does not exist in the region", { node: { zone: "europe-west1-z" } }, 'defimon:node.zone = "europe-west1-z": no such zone; europe-west1 has europe-west1-b, europe-west1-c, europe-west1-d'],
    ["zone europe-west1-a, which Google never opened", { node: { zone: "europe-west1-a" } }, 'defimon:node.zone = "europe-west1-a": no such zone'],
    ["checkpoint URL over http", { node: { checkpointSyncUrl: "http://checkpoint.example" } }, 'defimon:node.checkpointSyncUrl = "http://checkpoint.example": an https:// URL'],
    ["image on latest", { node: { images: { geth: "ethereum/client-go:latest" } } }, 'defimon:node.images.geth = "ethereum/client-go:latest": must name a version tag or a sha256 digest'],
    ["image without a tag", { node: { images: { grafana: "grafana/grafana" } } }, 'defimon:node.images.grafana = "grafana/grafana": must name a version tag'],
    ["image that is no reference", { node: { images: { lighthouse: "Sigp/Lighthouse v8" } } }, 'defimon:node.images.lighthouse = "Sigp/Lighthouse v8": an image reference'],
    ["unknown image name", { node: { images: { erigon: "erigontech/erigon:v3.0.0" } } }, 'defimon:node.images.erigon = "erigontech/erigon:v3.0.0": unknown key'],
    ["RPC open to the internet", { access: { rpcSourceRanges: ["0.0.0.0/0"] } }, 'defimon:access.rpcSourceRanges[0] = "0.0.0.0/0": must not open to the whole internet'],
    ["admin open to the IPv6 internet", { access: { adminSourceRanges: ["::/0"] } }, 'defimon:access.adminSourceRanges[0] = "::/0": must not open to the whole internet'],
    ["RPC open to the internet in two halves", { access: { rpcSourceRanges: ["0.0.0.0/1", "128.0.0.0/1"] } }, 'defimon:access.rpcSourceRanges = ["0.0.0.0/1","128.0.0.0/1"]: together they open to every IPv4 address on the internet'],
    ["RPC open to a public /8", { access: { rpcSourceRanges: ["35.0.0.0/8"] } }, 'defimon:access.rpcSourceRanges = ["35.0.0.0/8"]: together they open to 16,777,216 IPv4 internet addresses, more than a /16 (65,536)'],
    ["a dotted key written literally", { "pubsub.ackDeadlineSeconds": 60 }, "defimon:pubsub.ackDeadlineSeconds = 60: a dotted name is one flat key in a stack file; nest it under defimon:pubsub (pulumi config set --path 'defimon:pubsub.ackDeadlineSeconds' <value> writes it so)"],
    ["a range that does not parse", { access: { rpcSourceRanges: ["203.0.113.0/24", "203.0.113.7"] } }, 'defimon:access.rpcSourceRanges[1] = "203.0.113.7": a CIDR range such as 203.0.113.0/24'],
    ["ranges that are not a list", { access: { adminSourceRanges: "203.0.113.0/24" } }, 'defimon:access.adminSourceRanges = "203.0.113.0/24": a list of CIDR ranges'],
    ["service without an image", { services: { "analytics-api": { port: 8000 } } }, "defimon:services.analytics-api.image = (not set): an image reference"],
    ["service on a node port", { services: { "analytics-api": { image: "ghcr.io/defimon/analytics-api:1.0.0", port: 8545 } } }, "defimon:services.analytics-api.port = 8545: is taken by the node"],
    ["two services on one port", { services: { a: { image: "ghcr.io/defimon/a:1.0.0", port: 8000 }, b: { image: "ghcr.io/defimon/b:1.0.0", port: 8000 } } }, "defimon:services.b.port = 8000: is already taken by service a"],
    ["service on an internal node port", { services: { a: { image: "ghcr.io/defimon/a:1.0.0", port: 6060 } } }, "defimon:services.a.port = 6060: is taken by the node"],
    ["service named like a node container", { services: { geth: { image: "ghcr.io/defimon/geth:1.0.0" } } }, 'defimon:services.geth = {"image":"ghcr.io/defimon/geth:1.0.0"}: is the name of one of the node\'s own containers'],
    ["service with a bad name", { services: { Analytics: { image: "ghcr.io/defimon/a:1.0.0" } } }, 'defimon:services has key "Analytics": service names are 1 to 31 lowercase'],
    ["an e-mail that is none", { alerts: { emails: ["oncall"] } }, 'defimon:alerts.emails[0] = "oncall": an e-mail address'],
    ["disk alert at 100 %", { alerts: { diskUsedPercent: 100 } }, "defimon:alerts.diskUsedPercent = 100: an integer from 50 to 99 percent"],
    ["stall window under 5 minutes", { alerts: { headStallMinutes: 2 } }, "defimon:alerts.headStallMinutes = 2: an integer from 5 to 240 minutes"],
    ["snapshots kept a year and a day", { snapshots: { retentionDays: 366 } }, "defimon:snapshots.retentionDays = 366: an integer from 1 to 365 days"],
    ["a budget without billing account", { budget: { monthlyAmount: 100 } }, "defimon:budget.billingAccount = (not set): a billing account ID such as 012345-6789AB-CDEF01"],
    ["a budget in a made-up currency", { budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 100, currency: "euro" } }, 'defimon:budget.currency = "euro": an ISO 4217 code'],
    ["snapshots off the hour", { snapshots: { startTime: "03:30" } }, 'defimon:snapshots.startTime = "03:30": HH:00 in UTC, on the hour'],
  ])("rejects %s", (_rule, raw, expected) => {
    const lines = problems({ preset: "small", ...raw });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
  });

  it("resolves the host from the preset, the overrides and the provider's location", () => {
    const config = parseStackConfig({ preset: "standard", node: { gethCache: 6144, images: { geth: "ethereum/client-go:v1.17.11" } } }, { region: "us-central1" });
    expect(config.node).toMatchObject({
      network: "sepolia",
      machineType: "n2-standard-8",
      dataDiskSizeGb: 1200,
      gethCache: 6144,
      region: "us-central1",
      zone: "us-central1-a",
      checkpointSyncUrl: "https://checkpoint-sync.sepolia.ethpandaops.io",
    });
    expect(config.node.images.geth).toBe("ethereum/client-go:v1.17.11");
    expect(config.node.images.lighthouse).toMatch(/^sigp\/lighthouse:v/);
    expect(config.access).toEqual({ rpcSourceRanges: [], adminSourceRanges: [] });
  });

  it("takes alert thresholds and snapshot retention from the preset, unless config says otherwise", () => {
    expect(parseStackConfig({ preset: "high-load" }).alerts).toEqual({
      emails: [],
      oldestUnackedAgeSeconds: 300,
      backlogMessages: 1_000_000,
      diskUsedPercent: 85,
      memoryUsedPercent: 90,
      headStallMinutes: 15,
    });
    expect(parseStackConfig({ preset: "small" }).snapshots).toEqual({ retentionDays: 3, startTime: "03:00" });
    expect(parseStackConfig({ preset: "small", alerts: { backlogMessages: 42 }, snapshots: { retentionDays: 30 } })).toMatchObject({
      alerts: { backlogMessages: 42, oldestUnackedAgeSeconds: 1800 },
      snapshots: { retentionDays: 30 },
    });
  });

  it("needs a region or a zone for the host", () => {
    expect(() => parseStackConfig({ preset: "small" }, {})).toThrow("gcp:region = (not set): a region such as europe-west1 (or set defimon:node.zone)");
    expect(parseStackConfig({ preset: "small" }, { zone: "asia-east1-a" }).node).toMatchObject({ region: "asia-east1", zone: "asia-east1-a" });
  });

  it("refuses a region or zone Compute Engine does not have", () => {
    expect(() => parseStackConfig({ preset: "small" }, { region: "europe-west99" })).toThrow('gcp:region = "europe-west99": one of the 37 regions in data/gce-catalog.json');
    expect(() => parseStackConfig({ preset: "small" }, { zone: "europe-west1-a" })).toThrow('gcp:zone = "europe-west1-a": no such zone');
    // A region without zone b gets its first zone, not a made-up one.
    expect(parseStackConfig({ preset: "small" }, { region: "us-central1" }).node.zone).toBe("us-central1-a");
  });

  it("offers hyperdisk-balanced with provisioned performance where the family takes it", () => {
    const node = parseStackConfig({ preset: "small", node: { machineType: "c4-standard-8", dataDiskType: "hyperdisk-balanced", dataDiskIops: 6000, dataDiskThroughputMibps: 400 } }).node;
    expect(node).toMatchObject({ machineType: "c4-standard-8", dataDiskType: "hyperdisk-balanced", dataDiskIops: 6000, dataDiskThroughputMibps: 400 });
  });

  it("reports every problem at once, one line each", () => {
    const lines = problems({ preset: "tiny", pubsub: { ackDeadlineSeconds: 1, maxDeliveryAttempts: 1000 }, kms: { rotationPeriod: "1y" } });
    expect(lines).toEqual([
      'defimon:preset = "tiny": one of small, standard, high-load',
      "defimon:pubsub.ackDeadlineSeconds = 1: an integer from 10 to 600 seconds",
      "defimon:pubsub.maxDeliveryAttempts = 1000: an integer from 5 to 100 attempts",
      'defimon:kms.rotationPeriod = "1y": a duration from 1d to 90d (seconds, or a whole number with s, m, h or d)',
    ]);
  });

  it("reports cross-field problems in the same run as field problems", () => {
    const lines = problems({ preset: "high-load", pubsub: { minimumBackoff: "5m", maximumBackoff: "1m", topic: "ab" }, node: { machineType: "n2-standard-4", maxPeers: 1, dataDiskSizeGb: 100 } });
    expect(lines).toEqual([
      'defimon:pubsub.topic = "ab": 3 to 243 characters (room for the -dead-letter suffix): letters, digits and - _ . ~ + %, starting with a letter and not with \'goog\'',
      'defimon:pubsub.minimumBackoff = "5m": must not be longer than maximumBackoff (60s)',
      "defimon:node.maxPeers = 1: an integer from 10 to 200 peers",
      "defimon:node.dataDiskSizeGb = 100: too small for mainnet: at least 2000 GB",
      'defimon:node.machineType = "n2-standard-4": has 16384 MiB; geth cache 8192 MiB plus geth, Lighthouse on mainnet and the other containers need 30720 MiB',
    ]);
  });

  it("reads the whole engine map: unknown namespaces and the provider's project are problems too, with the rest", () => {
    const engine = { "gcp:region": "europe-west1", "defimon:preset": "small", "defimn:node": '{"maxPeers":20}', "defimon:pubsub": '{"ackDeadlineSeconds":5}' };
    expect(() => parseEngineConfig(engine)).toThrow(
      new ConfigError([
        'defimn:node = {"maxPeers":20}: unknown namespace "defimn"; config keys are defimon:..., gcp:..., pulumi:...',
        "gcp:project = (not set): the Google Cloud project ID to deploy to (6 to 30 lowercase letters, digits and -)",
        "defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds",
      ]),
    );
    expect(() => parseEngineConfig({ ...engine, "defimn:node": undefined as never, "defimon:pubsub": "{}", "gcp:project": "defimon-" })).toThrow('gcp:project = "defimon-": a project ID');
    expect(parseEngineConfig({ "gcp:project": "defimon-dev", "gcp:region": "europe-west1", "defimon:preset": "small", "pulumi:tags": "{}" }).preset).toBe("small");
  });

  it("declares every key in Pulumi.yaml, with the schema's own defaults", () => {
    const project = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"));
    expect(Object.keys(project.config).sort()).toEqual([...configKeys].sort());
    for (const [key, declaration] of Object.entries<any>(project.config)) {
      expect(declaration).toEqual(expect.objectContaining({ type: expect.any(String), description: expect.any(String) }));
      if (key === "preset") {
        expect(declaration.default).toBeUndefined(); // required: each stack picks its preset
        continue;
      }
      // The declared default, read as the program reads config, gives the schema's default.
      const fromDeclaration = parseStackConfig({ preset: "small", [key]: declaration.default });
      const fromSchema = parseStackConfig({ preset: "small" });
      expect(fromDeclaration[key as keyof typeof fromSchema]).toEqual(fromSchema[key as keyof typeof fromSchema]);
    }
  });
});

describe("what the plan warns of, and still plans", () => {
  const ours = (warnings: string[]) => warnings.filter((line) => line.startsWith("defimon:analytics") || line.startsWith("defimon:labels") || line.includes("zoneGaps"));

  it("names settings that do nothing as the rest stands, but not defaults", () => {
    const config = parseStackConfig({ preset: "small", analytics: { bigQuery: false, table: "raw_events", dataset: "defimon_events", archiveRetentionDays: 30 } });
    expect(ours(config.warnings)).toEqual([
      'defimon:analytics.table = "raw_events": does nothing while defimon:analytics.bigQuery is false',
      "defimon:analytics.archiveRetentionDays = 30: does nothing while defimon:analytics.archive is false",
    ]);
    expect(ours(parseStackConfig({ preset: "small" }).warnings)).toEqual([]);
  });

  it("names labels the stack sets over", () => {
    const config = parseStackConfig({ preset: "small", labels: { team: "defimon", "managed-by": "terraform", "pulumi-stack": "x" } });
    expect(ours(config.warnings)).toEqual([
      'defimon:labels.managed-by = "terraform": the stack sets this label itself (pulumi) on every resource, over this value',
      'defimon:labels.pulumi-stack = "x": the stack sets this label itself (the stack\'s name) on every resource, over this value',
    ]);
  });

  it("names the zones that lacked the machine type in the dated per-zone export: the VM's, or every zone of a group's", () => {
    const node = { machineType: "n2-highmem-96", dataDiskType: "pd-ssd" };
    const one = parseStackConfig({ preset: "small", node: { ...node, zone: "asia-east1-a" } }, { region: "asia-east1" });
    expect(ours(one.warnings)).toEqual([
      'defimon:node.machineType = "n2-highmem-96": asia-east1-a did not offer it in the per-zone export of 2023-05-02 (data/gce-catalog.json zoneGaps), though asia-east1 does; if Compute Engine refuses it there, set defimon:node.zone to another zone',
    ]);
    expect(ours(parseStackConfig({ preset: "small", node: { ...node, zone: "asia-east1-b" } }, { region: "asia-east1" }).warnings)).toEqual([]);
    const group = parseStackConfig({ preset: "small", node: { ...node, replicas: 2 } }, { region: "asia-east1" });
    expect(ours(group.warnings)).toEqual([
      'defimon:node.machineType = "n2-highmem-96": asia-east1-a, asia-east1-c did not offer it in the per-zone export of 2023-05-02 (data/gce-catalog.json zoneGaps), though asia-east1 does; if Compute Engine refuses it there, pick a type every zone offers',
    ]);
  });
});
