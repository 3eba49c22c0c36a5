import { stringify } from "smol-toml";
import { safeRpcModules } from "../geth/configKeys";
import { ports } from "../hostLayout";

export interface GethConfigInput {
  /** geth's --cache in MiB, split as geth splits it (cache.database/trie/gc/snapshot: 50/15/25/10 %). */
  gethCache: number;
  maxPeers: number;
}

/**
 * The largest dirty-node buffer geth's path scheme takes (triedb/pathdb/config.go,
 * maxBufferSize: 256 MiB in the releases this stack pins; go-ethereum#32903 raises it to
 * 1 GiB in later source). The lower figure: a buffer geth would cut is memory wasted,
 * and clean cache that it is not is never.
 */
export const pathdbMaxDirtyMib = 256;

/** Paths inside the geth container. */
export const gethPaths = { dataDir: "/data", config: "/config/geth.toml", jwtSecret: "/secrets/jwt.hex" };

/**
 * geth's configuration as an object of go-ethereum's own config structs: only keys
 * geth knows (lib/geth/configKeys.ts), so that it starts. The network is chosen with
 * its flag (--mainnet, --sepolia, --hoodi), which brings the genesis and bootnodes.
 */
export function gethConfig(input: GethConfigInput) {
  const share = (percent: number) => Math.floor((input.gethCache * percent) / 100);
  // The path scheme's dirty-node buffer takes at most pathdbMaxDirtyMib: geth cuts a larger
  // one down ("Sanitizing invalid node buffer size"), so the rest of the dirty share would
  // be memory geth never uses. It goes to the clean trie cache instead.
  const dirty = Math.min(share(25), pathdbMaxDirtyMib);
  return {
    Eth: {
      SyncMode: "snap",
      DatabaseCache: share(50),
      TrieCleanCache: share(15) + share(25) - dirty,
      TrieDirtyCache: dirty,
      SnapshotCache: share(10),
    },
    Node: {
      DataDir: gethPaths.dataDir,
      // Listen on the container's interfaces; the host firewall decides who reaches them.
      HTTPHost: "0.0.0.0",
      HTTPPort: ports.gethHttp,
      // Requests by IP address always pass geth's vhost check; names must be listed. No "*".
      HTTPVirtualHosts: ["localhost", "geth"],
      HTTPModules: safeRpcModules,
      WSHost: "0.0.0.0",
      WSPort: ports.gethWs,
      // No WSOrigins: geth then accepts browser origins from localhost only.
      WSModules: safeRpcModules.filter((module) => module !== "txpool"),
      // The Engine API: reached by the consensus client over the compose network only.
      AuthAddr: "0.0.0.0",
      AuthPort: ports.gethAuth,
      AuthVirtualHosts: ["geth"],
      JWTSecret: gethPaths.jwtSecret,
      P2P: {
        MaxPeers: input.maxPeers,
        ListenAddr: `:${ports.gethP2p}`,
      },
    },
    Metrics: {
      Enabled: true,
      HTTP: "0.0.0.0",
      Port: ports.gethMetrics,
    },
  };
}

export function renderGethToml(input: GethConfigInput): string {
  return `# geth configuration rendered by the DEFIMON Pulumi stack; edit the stack config, not this file.\n${stringify(gethConfig(input))}\n`;
}
