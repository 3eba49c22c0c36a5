/**
 * The guide's sizing presets as data. `defimon:preset` picks one; every field can
 * still be overridden in the stack config (`defimon:eventStream`, `defimon:node`).
 *
 * The figures for `small` and `high-load` are the guide's "small systems" and
 * "high-load systems" settings; `standard` is the guide's main `.env`.
 */

import { DiskType } from "./gce";
import { NetworkName } from "./networks";

export const presetNames = ["small", "standard", "high-load"] as const;
export type PresetName = (typeof presetNames)[number];

/** How the DEFIMON services batch and pace their Pub/Sub traffic (the guide's EVENT_STREAM_* and MAX_MESSAGES). */
export interface EventStreamSettings {
  /** GOOGLE_CLOUD_PUBSUB_MAX_MESSAGES: outstanding messages a subscriber holds at once (flow control). */
  maxMessages: number;
  /** EVENT_STREAM_BATCH_SIZE: messages per publish batch. */
  batchSize: number;
  /** EVENT_STREAM_MAX_CONCURRENT_PUBLISHERS: publisher workers per service. */
  maxConcurrentPublishers: number;
  /** EVENT_STREAM_FLUSH_INTERVAL: seconds before a partial batch is sent. */
  flushIntervalSeconds: number;
  /** EVENT_STREAM_ERROR_RETRY_ATTEMPTS: retries of a failed publish before it is reported. */
  errorRetryAttempts: number;
  /** EVENT_STREAM_ERROR_RETRY_DELAY: seconds between those retries. */
  errorRetryDelaySeconds: number;
}

/** The Geth host a preset runs: which chain, on what machine and disk. */
export interface NodeSizing {
  network: NetworkName;
  machineType: string;
  dataDiskSizeGb: number;
  dataDiskType: DiskType;
  /** Provisioned performance of a hyperdisk-balanced data disk (Google's defaults when absent). */
  dataDiskIops?: number;
  dataDiskThroughputMibps?: number;
  /** geth's cache in MiB (its --cache): split between database, trie and snapshot caches. */
  gethCache: number;
  /**
   * Nodes: 1 is one VM with its own disk (components/gethHost.ts); more is a regional
   * managed instance group behind an internal load balancer (components/nodeGroup.ts).
   */
  replicas: number;
}

/** What on-call is paged for, and how long the chain data disk's snapshots are kept. */
export interface Operations {
  /** Page when the main subscription's oldest unacked message is older than this (seconds). */
  oldestUnackedAgeSeconds: number;
  /** Page when the main subscription holds more undelivered messages than this. */
  backlogMessages: number;
  /** Days a daily snapshot of the chain data disk is kept. */
  snapshotRetentionDays: number;
  /** Expected event volume, for the cost estimate: messages a month and their average size. */
  messagesPerMonth: number;
  averageMessageBytes: number;
}

export interface Preset {
  eventStream: EventStreamSettings;
  node: NodeSizing;
  operations: Operations;
}

/** Flush and error-retry pacing is the same in every preset of the guide. */
const commonPacing = { flushIntervalSeconds: 5, errorRetryAttempts: 3, errorRetryDelaySeconds: 5 };

/**
 * Node sizing per preset (sources in docs/design/geth-host.md): testnets for small and standard,
 * mainnet for high-load. Memory covers geth's cache, geth's own working set, Lighthouse
 * and the monitoring and DEFIMON containers (lib/networks.ts, requiredMemoryMb).
 */
export const presets: Record<PresetName, Preset> = {
  small: {
    eventStream: { maxMessages: 100, batchSize: 50, maxConcurrentPublishers: 5, ...commonPacing },
    // 4 vCPU / 16 GiB: geth's stated minimum (4 cores, 8 GB) plus Lighthouse on a young testnet.
    node: { network: "hoodi", machineType: "e2-standard-4", dataDiskSizeGb: 400, dataDiskType: "pd-balanced", gethCache: 2048, replicas: 1 },
    // A small system drains slowly; alert late, keep few snapshots of a chain that resyncs fast.
    operations: { oldestUnackedAgeSeconds: 1800, backlogMessages: 10_000, snapshotRetentionDays: 3, messagesPerMonth: 10_000_000, averageMessageBytes: 1024 },
  },
  standard: {
    eventStream: { maxMessages: 1000, batchSize: 100, maxConcurrentPublishers: 10, ...commonPacing },
    // 8 vCPU / 32 GiB: geth's recommendation (8 cores, 16 GB+) with room for Lighthouse.
    // pd-balanced: an 8-vCPU N2 reaches at most 15,000 IOPS and 800 MiB/s on either SSD type
    // (data/disk-performance.json), which 1,200 GB of pd-balanced nearly gives; pd-ssd's
    // 42,000 would be paid for and unreachable.
    node: { network: "sepolia", machineType: "n2-standard-8", dataDiskSizeGb: 1200, dataDiskType: "pd-balanced", gethCache: 4096, replicas: 1 },
    operations: { oldestUnackedAgeSeconds: 900, backlogMessages: 100_000, snapshotRetentionDays: 7, messagesPerMonth: 100_000_000, averageMessageBytes: 2048 },
  },
  "high-load": {
    eventStream: { maxMessages: 5000, batchSize: 500, maxConcurrentPublishers: 20, ...commonPacing },
    // 8 vCPU / 64 GiB, SSD: EIP-7870's full node (32 GB, 4c/8t) doubled for a large cache
    // and the RPC load of the DEFIMON services.
    // Two nodes in two zones: a zone incident, a stuck sync or a geth upgrade no longer takes
    // every service's RPC down (the policy pack asks protected stacks for two or more).
    // pd-balanced: 2,500 GB of it give 18,000 IOPS, beyond the 15,000 an 8-vCPU N2 reaches;
    // pd-ssd's 81,000 were paid for and unreachable (data/disk-performance.json).
    node: { network: "mainnet", machineType: "n2-highmem-8", dataDiskSizeGb: 2500, dataDiskType: "pd-balanced", gethCache: 8192, replicas: 2 },
    // High load: minutes of lag matter; a mainnet resync takes days, so keep two weeks.
    operations: { oldestUnackedAgeSeconds: 300, backlogMessages: 1_000_000, snapshotRetentionDays: 14, messagesPerMonth: 1_000_000_000, averageMessageBytes: 2048 },
  },
};
