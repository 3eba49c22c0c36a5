/**
 * Whether the node's pinned clients follow their network and are supported, judged
 * against dated facts at a given time (lib/clock.ts):
 *
 * - data/network-upgrades.json: each network's upgrades (activation, epoch, withdrawn
 *   dates) and, per client, the first release that schedules each one and the releases
 *   that carry a withdrawn date. A client that does not schedule an active upgrade keeps
 *   its old fork ID (EIP-2124) or fork digest: its peers drop it and it follows a chain
 *   nobody else builds on.
 * - data/client-support.json: high-priority security releases per client line, and the
 *   support windows of Prometheus (LTS) and Grafana.
 *
 * Problems stop the plan (one line each, naming defimon:node.images.<client>); notices
 * are the plan's warnings (`pulumi.log.warn`). Pure: the facts and the time are inputs.
 */
import * as semver from "semver";
import upgradesCatalog from "../data/network-upgrades.json";
import supportCatalog from "../data/client-support.json";
import { parseImageReference } from "./images";
import type { NetworkName } from "./networks";

/** A dated fact's provenance: where it was read and when. */
export interface Sourced {
  /** Short enough to quote in a plan line; details go in `note`. */
  source: string;
  /** The day the source was read (YYYY-MM-DD). */
  read: string;
  note?: string;
}

/** A range of releases, both ends included. */
export interface ReleaseRange {
  from: string;
  through: string;
}

export interface ClientSchedule extends Sourced {
  /** The first release that schedules the upgrade at its (current) activation; null: none yet. */
  firstRelease: string | null;
}

export interface WithdrawnActivation extends Sourced {
  activation: string;
  epoch: number;
  /** When the date was withdrawn. */
  withdrawnOn: string;
  /** Per client, the releases that carry this date: they split off the chain at it. */
  carriedBy: Partial<Record<NodeClient, ReleaseRange[]>>;
}

export interface NetworkUpgrade extends Sourced {
  upgrade: string;
  /** The execution layer's and the consensus layer's names of it. */
  execution: string;
  consensus: string;
  /** scheduled: the time is final (in the network's client configs); targeted: a date under discussion. */
  status: "scheduled" | "targeted";
  /** ISO 8601 UTC. */
  activation: string;
  /** The consensus layer's activation epoch (activation = beacon genesis + epoch × 384 s). */
  epoch: number;
  withdrawn: WithdrawnActivation[];
  clients: Record<NodeClient, ClientSchedule>;
}

export interface SecurityRelease extends Sourced {
  release: string;
  published: string;
  /** The release notes' words. */
  says: string;
}

export interface SupportLine {
  /** major.minor */
  line: string;
  lts?: boolean;
  released: string;
  supportedUntil: string;
  /** How a date was arrived at, where it was not read as such. */
  note?: string;
}

export interface SupportPolicy extends Sourced {
  policy: string;
  lines: SupportLine[];
}

export interface UpgradesCatalog {
  read: string;
  networks: Record<NetworkName, NetworkUpgrade[]>;
}

export interface SupportCatalog {
  read: string;
  security: Record<NodeClient, SecurityRelease[]>;
  support: Record<SupportedImage, SupportPolicy>;
}

/** The node's clients, by their key in defimon:node.images. */
export const nodeClients = ["geth", "lighthouse"] as const;
export type NodeClient = (typeof nodeClients)[number];
/** Images whose makers publish a support window. */
export const supportedImages = ["prometheus", "grafana"] as const;
export type SupportedImage = (typeof supportedImages)[number];

export const upgrades = upgradesCatalog as unknown as UpgradesCatalog;
export const support = supportCatalog as unknown as SupportCatalog;

/**
 * A suffix after the version that makes it a pre-release (`v8.3.3-rc.1`); any other
 * suffix is a variant of the release itself (`3.13.9-alpine3.22`, `12.3.1-ubuntu`).
 */
const prerelease = /^(alpha|beta|rc|pre|dev)([.\d].*)?$/i;

/**
 * The release an image reference names, from its tag (`v1.17.10`, `v1.17.10@sha256:…`,
 * `alltools-v1.17.10`, `12.3.1-ubuntu`), or undefined when the tag names none.
 */
export function releaseOf(reference: string): string | undefined {
  const tag = parseImageReference(reference)?.tag;
  const match = tag && /^(?:[a-z]+-)?v?(\d+\.\d+\.\d+)(?:-(.+))?$/.exec(tag);
  if (!match) return undefined;
  const [, version, suffix] = match;
  const release = suffix && prerelease.test(suffix) ? `${version}-${suffix}` : version;
  return semver.valid(release) ?? undefined;
}

/** The tag of a reference, as written: `v1.17.10` from `ethereum/client-go:v1.17.10@sha256:…`. */
function tagOf(reference: string): string {
  return parseImageReference(reference)?.tag ?? reference;
}

/** A catalog's release (`v1.17.10`, `12.3.1`) as a semver version. */
const bare = (release: string) => release.replace(/^v/, "");

function before(version: string, release: string): boolean {
  return semver.lt(version, bare(release));
}

function within(version: string, range: ReleaseRange): boolean {
  return semver.gte(version, bare(range.from)) && semver.lte(version, bare(range.through));
}

const day = 86_400_000;

/** `2026-12-15 19:12:24 UTC`. */
export function utc(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function inDays(at: string, now: Date): string {
  const hours = Math.floor((Date.parse(at) - now.getTime()) / 3_600_000);
  return hours < 48 ? `in ${hours} hour${hours === 1 ? "" : "s"}` : `in ${Math.floor(hours / 24)} days`;
}

export interface CurrencyInput {
  network: NetworkName;
  /** defimon:node.images: every key is checked that has facts (clients, Prometheus, Grafana). */
  images: Partial<Record<NodeClient | SupportedImage, string>>;
  now: Date;
  /** Days ahead that an upgrade or the end of a support window is warned of. */
  lookaheadDays: number;
}

export interface Currency {
  /** Each stops the plan: one line naming the image's config key. */
  problems: string[];
  /** The plan's warnings. */
  notices: string[];
}

const upgradesFile = "data/network-upgrades.json";
const supportFile = "data/client-support.json";
const key = (image: string, reference: string) => `defimon:node.images.${image} = ${JSON.stringify(reference)}`;

function upgradeName(upgrade: NetworkUpgrade, client: NodeClient): string {
  return `${upgrade.upgrade} (${client === "geth" ? upgrade.execution : upgrade.consensus})`;
}

function at(upgrade: NetworkUpgrade): string {
  return `${utc(upgrade.activation)} (epoch ${upgrade.epoch})`;
}

/** What the health endpoint checks the running clients against (upgrades.json, boot/health.py). */
export interface HealthUpgrade {
  upgrade: string;
  execution: string;
  consensus: string;
  /** Activation, Unix seconds. */
  time: number;
  epoch: number;
}

/** The network's scheduled upgrades (targeted dates are not final: a client cannot schedule them yet). */
export function scheduledUpgrades(network: NetworkName, catalog: UpgradesCatalog = upgrades): HealthUpgrade[] {
  return (catalog.networks[network] ?? [])
    .filter((upgrade) => upgrade.status === "scheduled")
    .map(({ upgrade, execution, consensus, activation, epoch }) => ({ upgrade, execution, consensus, time: Date.parse(activation) / 1000, epoch }));
}

/** Judges the pinned images against the catalogs at `now`. */
export function clientCurrency(input: CurrencyInput, catalogs = { upgrades, support }): Currency {
  const problems: string[] = [];
  const notices: string[] = [];
  const { network, now } = input;
  const horizon = now.getTime() + input.lookaheadDays * day;
  const versions: Partial<Record<NodeClient | SupportedImage, string>> = {};

  for (const image of [...nodeClients, ...supportedImages]) {
    const reference = input.images[image];
    if (reference === undefined) continue;
    const version = releaseOf(reference);
    if (version === undefined) {
      problems.push(`${key(image, reference)}: no release can be read from its tag, so whether it follows ${network} and is supported cannot be checked; pin a release tag, with its digest if you like (repo:v1.2.3 or repo:v1.2.3@sha256:<64 hex>)`);
    } else versions[image] = version;
  }

  /** Per client, why it is refused, and the releases it needs (null: none exists yet). */
  const refusals: Partial<Record<NodeClient, { reasons: string[]; needs: (string | null)[]; files: Set<string> }>> = {};
  const refuse = (client: NodeClient, reason: string, needs: string | null, file: string) => {
    const entry = (refusals[client] ??= { reasons: [], needs: [], files: new Set() });
    entry.reasons.push(reason);
    entry.needs.push(needs);
    entry.files.add(file);
  };

  for (const upgrade of catalogs.upgrades.networks[network] ?? []) {
    const activation = Date.parse(upgrade.activation);
    const active = upgrade.status === "scheduled" && activation <= now.getTime();
    const due = !active && activation <= horizon;
    /** Pinned clients that do not schedule a due upgrade: `geth v1.17.10`, and the first release that does. */
    const missing: { pinned: string; first: string | null }[] = [];
    for (const client of nodeClients) {
      const version = versions[client];
      const reference = input.images[client];
      if (version === undefined || reference === undefined) continue;
      const schedule = upgrade.clients[client];
      const name = upgradeName(upgrade, client);
      const carried = upgrade.withdrawn.find((withdrawn) => (withdrawn.carriedBy[client] ?? []).some((range) => within(version, range)));
      if (carried) {
        const split = Date.parse(carried.activation) <= now.getTime() ? "it split off the chain then" : "it splits off the chain then";
        refuse(client, `carries ${network}'s withdrawn ${name} date ${utc(carried.activation)} (withdrawn ${carried.withdrawnOn}): ${split}`, schedule.firstRelease, upgradesFile);
        continue;
      }
      if (schedule.firstRelease !== null && !before(version, schedule.firstRelease)) continue;
      if (active) {
        const first = schedule.firstRelease ? ` (${schedule.firstRelease} is the first release that schedules it)` : "";
        refuse(client, `does not schedule ${name}, active on ${network} since ${at(upgrade)}: the node left the chain then${first}`, schedule.firstRelease, upgradesFile);
      } else if (due) missing.push({ pinned: `${client} ${tagOf(reference)}`, first: schedule.firstRelease && `${client} ${schedule.firstRelease}` });
    }
    if (due) {
      const when = `${at(upgrade)}, ${inDays(upgrade.activation, now)}`;
      const what = upgrade.status === "scheduled" ? `${network} activates ${upgrade.upgrade} at ${when}` : `${network} targets ${upgrade.upgrade} for ${when} (not final)`;
      const pinned = nodeClients.map((client) => `${client} ${tagOf(input.images[client] ?? "")}`).join(" and ");
      const released = missing.filter((client) => client.first);
      notices.push(
        !missing.length
          ? `${what}: the pinned ${pinned} schedule it; a node on older releases stops following ${network} then`
          : released.length === missing.length
            ? `${what}: the pinned ${missing.map((client) => client.pinned).join(" and ")} ${missing.length === 1 ? "does" : "do"} not schedule it: upgrade to ${released.map((client) => client.first).join(" and ")} or later before then, or the node stops following ${network}`
            : `${what}, and no release of ${missing.filter((client) => !client.first).map((client) => client.pinned.split(" ")[0]).join(" or ")} schedules it yet (${upgradesFile}, read ${catalogs.upgrades.read}): unless the pinned ${missing.map((client) => client.pinned).join(" and ")} ${missing.length === 1 ? "is" : "are"} replaced by releases that do before then, the node stops following ${network}`,
      );
    }
  }

  for (const client of nodeClients) {
    const version = versions[client];
    if (version === undefined) continue;
    const newest = (catalogs.support.security[client] ?? [])
      .filter((release) => Date.parse(release.published) <= now.getTime() && semver.major(bare(release.release)) === semver.major(version))
      .sort((a, b) => semver.compare(bare(b.release), bare(a.release)))[0];
    if (newest && before(version, newest.release)) {
      refuse(client, `older than ${newest.release}, a high-priority security release of ${newest.published}`, newest.release, supportFile);
    }
  }

  // One line per client: every reason, then the release that answers them all.
  for (const client of nodeClients) {
    const refusal = refusals[client];
    if (!refusal) continue;
    const releases = refusal.needs.filter((release): release is string => release !== null).sort((a, b) => semver.compare(bare(b), bare(a)));
    const pin = refusal.needs.includes(null)
      ? `no ${client} release known on ${catalogs.upgrades.read} follows ${network}'s current schedule: refresh ${upgradesFile} once one does`
      : `pin ${releases[0]} or later (${[...refusal.files].join(", ")})`;
    problems.push(`${key(client, input.images[client]!)}: ${refusal.reasons.join("; ")}; ${pin}`);
  }

  for (const image of supportedImages) {
    const version = versions[image];
    const reference = input.images[image];
    if (version === undefined || reference === undefined) continue;
    const policy = catalogs.support.support[image];
    const lineName = `${semver.major(version)}.${semver.minor(version)}`;
    const line = policy.lines.find((candidate) => candidate.line === lineName);
    const supported = policy.lines.filter((candidate) => Date.parse(candidate.supportedUntil) > now.getTime()).map(describeLine);
    const instead = supported.length ? `supported: ${supported.join(", ")}` : "no line in the catalog is supported any more: refresh it";
    if (!line) {
      const newest = policy.lines.map((candidate) => candidate.line).sort((a, b) => semver.compare(`${b}.0`, `${a}.0`))[0];
      if (newest && semver.gt(`${lineName}.0`, `${newest}.0`)) {
        notices.push(`${key(image, reference)}: ${image} ${lineName} is newer than the support catalog (read ${catalogs.support.read}): its support window is unknown; refresh ${supportFile}`);
      } else {
        problems.push(`${key(image, reference)}: ${image} ${lineName} is not a line the support catalog (read ${catalogs.support.read}) knows to be supported; ${instead} (${supportFile})`);
      }
      continue;
    }
    const end = Date.parse(line.supportedUntil);
    if (end <= now.getTime()) {
      problems.push(`${key(image, reference)}: support for ${image} ${lineLabel(line)} ended on ${line.supportedUntil}; ${instead} (${supportFile})`);
    } else if (end <= horizon) {
      notices.push(`${key(image, reference)}: support for ${image} ${lineLabel(line)} ends on ${line.supportedUntil}, ${inDays(line.supportedUntil, now)}; ${instead} (${supportFile})`);
    }
  }
  return { problems, notices };
}

/** `3.13 LTS`, `13.3`. */
function lineLabel(line: SupportLine): string {
  return `${line.line}${line.lts ? " LTS" : ""}`;
}

function describeLine(line: SupportLine): string {
  return `${lineLabel(line)} (support to ${line.supportedUntil})`;
}
