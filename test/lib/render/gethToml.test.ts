import { parse } from "smol-toml";
import { safeRpcModules, invalidGethKeys } from "../../../lib/geth/configKeys";
import { gethConfig, renderGethToml } from "../../../lib/render/gethToml";

/** The guide's "optimized" geth TOML, verbatim: geth refuses to start with it. */
const guideToml = `
[Eth]
SyncMode = "full"
Cache = 8192
DatabaseCache = 4096
TrieCache = 256
SnapshotCache = 256
StateCache = 256

[Node]
MaxPeers = 50
HTTPPort = 8545
WSPort = 8546
P2P = 30303
HTTPEnabled = true
WSEnabled = true
HTTPCors = ["*"]
HTTPVirtualHosts = ["*"]
HTTPModules = ["eth", "net", "web3", "debug", "txpool", "personal", "admin"]
WSModules = ["eth", "net", "web3", "debug", "txpool", "personal", "admin"]
`;

describe("geth TOML", () => {
  const rendered = parse(renderGethToml({ gethCache: 8192, maxPeers: 50 })) as Record<string, any>;

  it("parses back to exactly what was rendered", () => {
    expect(rendered).toEqual(gethConfig({ gethCache: 8192, maxPeers: 50 }));
  });

  it("uses only keys geth knows, so geth starts", () => {
    expect(invalidGethKeys(rendered)).toEqual([]);
  });

  it("catches the keys that stop geth in the guide's TOML", () => {
    expect(invalidGethKeys(parse(guideToml) as Record<string, unknown>).sort()).toEqual(
      ["Eth.Cache", "Eth.StateCache", "Eth.TrieCache", "Node.HTTPEnabled", "Node.MaxPeers", "Node.P2P", "Node.WSEnabled"].sort(),
    );
  });

  it("serves read-only namespaces only: never admin, debug, personal; no wildcard CORS or virtual hosts", () => {
    expect(rendered.Node.HTTPModules).toEqual(safeRpcModules);
    for (const modules of [rendered.Node.HTTPModules, rendered.Node.WSModules]) {
      expect(modules).not.toEqual(expect.arrayContaining(["admin"]));
      for (const forbidden of ["admin", "debug", "personal", "miner", "engine"]) expect(modules).not.toContain(forbidden);
    }
    expect(rendered.Node.HTTPCors).toBeUndefined();
    expect(rendered.Node.WSOrigins).toBeUndefined();
    expect(JSON.stringify(rendered)).not.toContain('"*"');
  });

  it("puts peers under [Node.P2P] and authenticates the Engine API with the shared JWT", () => {
    expect(rendered.Node.P2P).toEqual({ MaxPeers: 50, ListenAddr: ":30303" });
    expect(rendered.Node).toMatchObject({ AuthPort: 8551, JWTSecret: "/secrets/jwt.hex", AuthVirtualHosts: ["geth"] });
  });

  it("splits the cache as geth's --cache does, but gives the path scheme's dirty buffer no more than geth takes (256 MiB), and turns metrics on for Prometheus", () => {
    // 8192 MiB: 50 % database, 25 % dirty trie (2048, cut to 256: the other 1792 to the clean trie cache), 15 % clean trie, 10 % snapshot.
    expect(rendered.Eth).toEqual({ SyncMode: "snap", DatabaseCache: 4096, TrieCleanCache: 3020, TrieDirtyCache: 256, SnapshotCache: 819 });
    expect((parse(renderGethToml({ gethCache: 1024, maxPeers: 50 })) as any).Eth).toMatchObject({ TrieCleanCache: 153, TrieDirtyCache: 256 });
    expect(rendered.Metrics).toEqual({ Enabled: true, HTTP: "0.0.0.0", Port: 6060 });
  });
});
