/**
 * The node's clients against their network's upgrades, security releases and support
 * windows (lib/clientCurrency.ts): the catalogs' own integrity, each kind of fact
 * refusing on a small catalog of its own, and the real catalog's verdicts on the
 * presets at fixed times.
 */
import { clientCurrency, NetworkUpgrade, releaseOf, SupportCatalog, support, UpgradesCatalog, upgrades } from "../../lib/clientCurrency";
import { setClock } from "../../lib/clock";
import { ConfigError, parseStackConfig } from "../../lib/config";
import { defaultImages } from "../../lib/images";
import { networkNames } from "../../lib/networks";
import { catalogNoon } from "../helpers/fixedClock";

const day = /^\d{4}-\d{2}-\d{2}$/;

function problems(raw: Record<string, unknown>, at?: Date): string[] {
  try {
    parseStackConfig(raw, undefined, at);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe("releaseOf", () => {
  it.each([
    ["ethereum/client-go:v1.17.10", "1.17.10"],
    [`ethereum/client-go:v1.17.10@sha256:${"a".repeat(64)}`, "1.17.10"],
    ["ethereum/client-go:alltools-v1.17.10", "1.17.10"],
    ["sigp/lighthouse:v8.3.3-rc.1", "8.3.3-rc.1"],
    ["grafana/grafana:13.3.2-ubuntu", "13.3.2"],
    ["python:3.13.16-alpine3.24", "3.13.16"],
    ["europe-west1-docker.pkg.dev/p/r/geth:v1.17.10", "1.17.10"],
  ])("reads %s as %s", (reference, release) => {
    expect(releaseOf(reference)).toBe(release);
  });

  it.each(["ethereum/client-go:stable", "ethereum/client-go:v1.17", `ethereum/client-go@sha256:${"a".repeat(64)}`, "grafana/grafana:main"])("reads no release from %s", (reference) => {
    expect(releaseOf(reference)).toBeUndefined();
  });
});

describe("the catalogs", () => {
  /** Beacon chain genesis times (eth-clients/{mainnet,sepolia,hoodi}: genesis_time), to check each row's epoch against its time. */
  const beaconGenesis: Record<string, number> = { mainnet: 1606824023, sepolia: 1655733600, hoodi: 1742213400 };
  const rows = networkNames.flatMap((network) => upgrades.networks[network].map((upgrade) => [network, upgrade] as [string, NetworkUpgrade]));

  it("has every network and a read date", () => {
    expect(Object.keys(upgrades.networks).sort()).toEqual([...networkNames].sort());
    expect(upgrades.read).toMatch(day);
    expect(support.read).toMatch(day);
  });

  it.each(rows.map(([network, upgrade]) => [`${network} ${upgrade.upgrade}`, network, upgrade] as const))("%s: sourced, dated, and its epoch starts at its activation", (_name, network, upgrade) => {
    const sourced = [upgrade, ...Object.values(upgrade.clients), ...upgrade.withdrawn];
    for (const fact of sourced) {
      expect(fact.source.length).toBeGreaterThan(10);
      expect(fact.source.length).toBeLessThanOrEqual(120);
      expect(fact.read).toMatch(day);
      expect(fact.read <= upgrades.read).toBe(true);
    }
    expect(Date.parse(upgrade.activation) / 1000).toBe(beaconGenesis[network] + upgrade.epoch * 32 * 12);
    for (const withdrawn of upgrade.withdrawn) expect(Date.parse(withdrawn.activation) / 1000).toBe(beaconGenesis[network] + withdrawn.epoch * 32 * 12);
    for (const release of Object.values(upgrade.clients).map((client) => client.firstRelease)) if (release !== null) expect(releaseOf(`x:${release}`)).toBeDefined();
  });

  it("sources and dates every security release and support line", () => {
    for (const release of Object.values(support.security).flat()) {
      expect(release.source.length).toBeGreaterThan(10);
      expect(release.read).toMatch(day);
      expect(release.published).toMatch(day);
    }
    for (const policy of Object.values(support.support)) {
      expect(policy.source.length).toBeGreaterThan(10);
      expect(policy.read).toMatch(day);
      for (const line of policy.lines) expect(Date.parse(line.supportedUntil)).toBeGreaterThan(Date.parse(line.released));
    }
  });
});

/** A network of its own with one upgrade of each kind, so each rule is seen alone. */
const at = (iso: string) => new Date(iso);
const facts = { source: "a test's own catalog", read: "2026-01-01" };
const fork = (upgrade: string, activation: string, first: { geth: string | null; lighthouse: string | null }, more: Partial<NetworkUpgrade> = {}): NetworkUpgrade => ({
  ...facts,
  upgrade,
  execution: `${upgrade}-el`,
  consensus: `${upgrade}-cl`,
  status: "scheduled",
  activation,
  epoch: 1,
  withdrawn: [],
  clients: { geth: { ...facts, firstRelease: first.geth }, lighthouse: { ...facts, firstRelease: first.lighthouse } },
  ...more,
});
const catalogs = (hoodi: NetworkUpgrade[], security: SupportCatalog["security"] = { geth: [], lighthouse: [] }, lines = support.support) => ({
  upgrades: { read: "2026-01-01", networks: { mainnet: [], sepolia: [], hoodi } } as UpgradesCatalog,
  support: { read: "2026-01-01", security, support: lines } as SupportCatalog,
});
const pinned = { geth: "ethereum/client-go:v1.2.3", lighthouse: "sigp/lighthouse:v4.5.6" };
const judge = (now: string, catalog: ReturnType<typeof catalogs>, images: Record<string, string> = pinned, lookaheadDays = 30) =>
  clientCurrency({ network: "hoodi", images, now: at(now), lookaheadDays }, catalog);

describe("a network upgrade", () => {
  const upgrade = fork("Orbit", "2026-03-01T00:00:00Z", { geth: "v1.3.0", lighthouse: "v4.5.0" });

  it("is nothing to say before the horizon", () => {
    expect(judge("2026-01-15T00:00:00Z", catalogs([upgrade]))).toEqual({ problems: [], notices: [] });
  });

  it("is warned within the horizon when a pinned client does not schedule it, naming the release that does", () => {
    expect(judge("2026-02-10T00:00:00Z", catalogs([upgrade]))).toEqual({
      problems: [],
      notices: ["hoodi activates Orbit at 2026-03-01 00:00:00 UTC (epoch 1), in 19 days: the pinned geth v1.2.3 does not schedule it: upgrade to geth v1.3.0 or later before then, or the node stops following hoodi"],
    });
  });

  it("is told within the horizon when the pinned clients schedule it", () => {
    expect(judge("2026-02-27T12:00:00Z", catalogs([upgrade]), { ...pinned, geth: "ethereum/client-go:v1.3.0" }).notices).toEqual([
      "hoodi activates Orbit at 2026-03-01 00:00:00 UTC (epoch 1), in 36 hours: the pinned geth v1.3.0 and lighthouse v4.5.6 schedule it; a node on older releases stops following hoodi then",
    ]);
  });

  it("is refused once active, naming the key, the upgrade, its time and the first release that follows it", () => {
    expect(judge("2026-03-01T00:00:00Z", catalogs([upgrade]))).toEqual({
      problems: ['defimon:node.images.geth = "ethereum/client-go:v1.2.3": does not schedule Orbit (Orbit-el), active on hoodi since 2026-03-01 00:00:00 UTC (epoch 1): the node left the chain then (v1.3.0 is the first release that schedules it); pin v1.3.0 or later (data/network-upgrades.json)'],
      notices: [],
    });
  });

  it("says loudly, within the horizon, when no release schedules it yet, and refuses after", () => {
    const unreleased = fork("Orbit", "2026-03-01T00:00:00Z", { geth: null, lighthouse: "v4.5.0" });
    expect(judge("2026-02-20T00:00:00Z", catalogs([unreleased])).notices).toEqual([
      "hoodi activates Orbit at 2026-03-01 00:00:00 UTC (epoch 1), in 9 days, and no release of geth schedules it yet (data/network-upgrades.json, read 2026-01-01): unless the pinned geth v1.2.3 is replaced by releases that do before then, the node stops following hoodi",
    ]);
    expect(judge("2026-03-02T00:00:00Z", catalogs([unreleased])).problems).toEqual([
      'defimon:node.images.geth = "ethereum/client-go:v1.2.3": does not schedule Orbit (Orbit-el), active on hoodi since 2026-03-01 00:00:00 UTC (epoch 1): the node left the chain then; no geth release known on 2026-01-01 follows hoodi\'s current schedule: refresh data/network-upgrades.json once one does',
    ]);
  });

  it("is only warned of, never refused, while its date is targeted", () => {
    const targeted = fork("Orbit", "2026-03-01T00:00:00Z", { geth: null, lighthouse: null }, { status: "targeted" });
    expect(judge("2026-02-20T00:00:00Z", catalogs([targeted])).notices).toEqual([expect.stringMatching(/^hoodi targets Orbit for 2026-03-01 00:00:00 UTC \(epoch 1\), in 9 days \(not final\), and no release of geth or lighthouse schedules it yet/)]);
    expect(judge("2026-03-02T00:00:00Z", catalogs([targeted])).problems).toEqual([]);
  });

  it("takes the horizon from the config", () => {
    expect(judge("2026-02-10T00:00:00Z", catalogs([upgrade]), pinned, 7).notices).toEqual([]);
  });
});

describe("a withdrawn date", () => {
  const withdrawn = fork("Orbit", "2026-03-01T00:00:00Z", { geth: "v1.3.1", lighthouse: "v4.5.0" }, {
    withdrawn: [{ ...facts, activation: "2026-02-01T00:00:00Z", epoch: 0, withdrawnOn: "2026-01-20", carriedBy: { geth: [{ from: "v1.2.0", through: "v1.3.0" }] } }],
  });

  it("refuses a release that carries it, before and after it", () => {
    const line = (tense: string) => `defimon:node.images.geth = "ethereum/client-go:v1.3.0": carries hoodi's withdrawn Orbit (Orbit-el) date 2026-02-01 00:00:00 UTC (withdrawn 2026-01-20): ${tense}; pin v1.3.1 or later (data/network-upgrades.json)`;
    expect(judge("2026-01-25T00:00:00Z", catalogs([withdrawn]), { ...pinned, geth: "ethereum/client-go:v1.3.0" }).problems).toEqual([line("it splits off the chain then")]);
    expect(judge("2026-02-02T00:00:00Z", catalogs([withdrawn]), { ...pinned, geth: "ethereum/client-go:v1.3.0" }).problems).toEqual([line("it split off the chain then")]);
  });

  it("accepts the release that dropped it", () => {
    expect(judge("2026-02-02T00:00:00Z", catalogs([withdrawn]), { ...pinned, geth: "ethereum/client-go:v1.3.1" }).problems).toEqual([]);
  });
});

describe("a security release", () => {
  const security = { geth: [], lighthouse: [{ ...facts, release: "v4.6.0", published: "2026-02-01", says: "security fixes" }] };

  it("refuses an older release of its line once published, in one line with the upgrade's reasons", () => {
    expect(judge("2026-01-31T00:00:00Z", catalogs([], security)).problems).toEqual([]);
    expect(judge("2026-02-01T00:00:00Z", catalogs([], security)).problems).toEqual([
      'defimon:node.images.lighthouse = "sigp/lighthouse:v4.5.6": older than v4.6.0, a high-priority security release of 2026-02-01; pin v4.6.0 or later (data/client-support.json)',
    ]);
  });

  it("leaves another major line alone", () => {
    expect(judge("2026-02-01T00:00:00Z", catalogs([], security), { ...pinned, lighthouse: "sigp/lighthouse:v3.9.0" }).problems).toEqual([]);
  });

  it("names the release that answers every reason", () => {
    const upgrade = fork("Orbit", "2026-01-15T00:00:00Z", { geth: null, lighthouse: "v4.5.9" });
    expect(judge("2026-02-01T00:00:00Z", catalogs([upgrade], security)).problems.filter((line) => line.includes("lighthouse"))).toEqual([
      'defimon:node.images.lighthouse = "sigp/lighthouse:v4.5.6": does not schedule Orbit (Orbit-cl), active on hoodi since 2026-01-15 00:00:00 UTC (epoch 1): the node left the chain then (v4.5.9 is the first release that schedules it); older than v4.6.0, a high-priority security release of 2026-02-01; pin v4.6.0 or later (data/network-upgrades.json, data/client-support.json)',
    ]);
  });
});

describe("a support window", () => {
  const lines = {
    prometheus: { ...facts, policy: "LTS for a year", lines: [{ line: "3.5", lts: true, released: "2025-07-14", supportedUntil: "2026-07-31" }, { line: "3.13", lts: true, released: "2026-07-01", supportedUntil: "2027-07-31" }] },
    grafana: { ...facts, policy: "9 months", lines: [{ line: "13.3", released: "2026-10-01", supportedUntil: "2027-07-01" }] },
  };
  const images = (prometheus: string, grafana = "grafana/grafana:13.3.2") => ({ prometheus: `prom/prometheus:${prometheus}`, grafana });

  it("warns within the horizon and refuses after it ends", () => {
    expect(judge("2026-07-10T00:00:00Z", catalogs([], undefined, lines), images("v3.5.0")).notices).toEqual([
      'defimon:node.images.prometheus = "prom/prometheus:v3.5.0": support for prometheus 3.5 LTS ends on 2026-07-31, in 21 days; supported: 3.5 LTS (support to 2026-07-31), 3.13 LTS (support to 2027-07-31) (data/client-support.json)',
    ]);
    expect(judge("2026-08-01T00:00:00Z", catalogs([], undefined, lines), images("v3.5.0")).problems).toEqual([
      'defimon:node.images.prometheus = "prom/prometheus:v3.5.0": support for prometheus 3.5 LTS ended on 2026-07-31; supported: 3.13 LTS (support to 2027-07-31) (data/client-support.json)',
    ]);
  });

  it("refuses a line it does not know to be supported, and warns of one newer than it knows", () => {
    expect(judge("2026-12-01T00:00:00Z", catalogs([], undefined, lines), images("v3.12.0")).problems).toEqual([expect.stringMatching(/^defimon:node.images.prometheus = "prom\/prometheus:v3.12.0": prometheus 3.12 is not a line the support catalog \(read 2026-01-01\) knows to be supported; supported: 3.13 LTS/)]);
    expect(judge("2026-12-01T00:00:00Z", catalogs([], undefined, lines), images("v3.14.0"))).toEqual({
      problems: [],
      notices: ['defimon:node.images.prometheus = "prom/prometheus:v3.14.0": prometheus 3.14 is newer than the support catalog (read 2026-01-01): its support window is unknown; refresh data/client-support.json'],
    });
  });
});

describe("the stack's images", () => {
  afterEach(() => setClock(catalogNoon));

  it("refuses a sepolia stack pinning geth v1.17.5 with one line naming defimon:node.images.geth", () => {
    const lines = problems({ preset: "standard", node: { images: { geth: "ethereum/client-go:v1.17.5" } } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^defimon:node\.images\.geth = "ethereum\/client-go:v1\.17\.5": does not schedule Glamsterdam \(Amsterdam\), active on sepolia since 2026-10-06 13:53:36 UTC \(epoch 353024\): the node left the chain then \(v1\.17\.6 is the first release that schedules it\);/);
  });

  it("refuses a tag it cannot read a release from, saying how to pin one", () => {
    expect(problems({ preset: "small", node: { images: { lighthouse: `sigp/lighthouse@sha256:${"b".repeat(64)}` } } })).toEqual([
      `defimon:node.images.lighthouse = "sigp/lighthouse@sha256:${"b".repeat(64)}": no release can be read from its tag, so whether it follows hoodi and is supported cannot be checked; pin a release tag, with its digest if you like (repo:v1.2.3 or repo:v1.2.3@sha256:<64 hex>)`,
    ]);
  });

  it("plans every preset's defaults at the catalogs' read day", () => {
    for (const preset of ["small", "standard", "high-load"]) expect(problems({ preset })).toEqual([]);
    expect(defaultImages.lighthouse).toBe("sigp/lighthouse:v8.3.3");
  });

  it("says on 2026-12-06 what happens on hoodi on 2026-12-15, and refuses dev's clients after it unless a release schedules it", () => {
    const dev = parseStackConfig({ preset: "small" }, undefined, at("2026-12-06T12:00:00Z"));
    expect(dev.warnings).toEqual([
      "hoodi activates Glamsterdam at 2026-12-15 19:12:24 UTC (epoch 143616), in 9 days, and no release of geth or lighthouse schedules it yet (data/network-upgrades.json, read 2026-12-06): unless the pinned geth v1.17.10 and lighthouse v8.3.3 are replaced by releases that do before then, the node stops following hoodi",
    ]);
    expect(problems({ preset: "small" }, at("2026-12-15T19:12:24Z")).map((line) => line.split(":")[1].split(" =")[0])).toEqual(["node.images.geth", "node.images.lighthouse"]);
  });

  it("refuses hoodi releases that carry the withdrawn date of 2026-10-26", () => {
    const lines = problems({ preset: "small", node: { images: { geth: "ethereum/client-go:v1.17.9" } } });
    expect(lines).toEqual([expect.stringMatching(/^defimon:node\.images\.geth = "ethereum\/client-go:v1\.17\.9": carries hoodi's withdrawn Glamsterdam \(Amsterdam\) date 2026-10-26 17:42:48 UTC \(withdrawn 2026-10-22\): it split off the chain then;/)]);
  });

  it("refuses Lighthouse older than its high-priority security release of 2026-11-09, and Prometheus 3.5 past its LTS", () => {
    const lines = problems({ preset: "high-load", node: { images: { lighthouse: "sigp/lighthouse:v8.3.2", prometheus: "prom/prometheus:v3.5.0" } } });
    expect(lines).toEqual([
      'defimon:node.images.lighthouse = "sigp/lighthouse:v8.3.2": older than v8.3.3, a high-priority security release of 2026-11-09; pin v8.3.3 or later (data/client-support.json)',
      'defimon:node.images.prometheus = "prom/prometheus:v3.5.0": support for prometheus 3.5 LTS ended on 2026-07-31; supported: 3.13 LTS (support to 2027-07-31) (data/client-support.json)',
    ]);
  });

  it("takes defimon:node.lookaheadDays, 1 to 365", () => {
    expect(parseStackConfig({ preset: "small", node: { lookaheadDays: 5 } }, undefined, at("2026-12-06T12:00:00Z")).warnings).toEqual([]);
    expect(problems({ preset: "small", node: { lookaheadDays: 0 } })).toEqual(["defimon:node.lookaheadDays = 0: an integer from 1 to 365 days"]);
  });
});
