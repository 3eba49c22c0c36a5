/**
 * The Ethereum networks the Geth host can follow, with what sizing and the consensus
 * client need to know about each. Figures are planning minimums with room for a year
 * of growth, from the clients' published requirements (see the sizing table in docs/design/geth-host.md).
 */

export const networkNames = ["mainnet", "sepolia", "hoodi"] as const;
export type NetworkName = (typeof networkNames)[number];

export interface EthereumNetwork {
  /** EIP-155 chain id (also the execution-layer network id on these networks). */
  chainId: number;
  /** geth's flag that selects the network's genesis and bootnodes. */
  gethFlag: string;
  /** Smallest data disk (GB) that holds a snap-synced geth plus Lighthouse with headroom. */
  minDataDiskGb: number;
  /** Memory (MiB) Lighthouse needs on this network. */
  consensusMemoryMb: number;
  /** A public checkpoint-sync endpoint, so the beacon node syncs in minutes, not days. */
  checkpointSyncUrl: string;
}

export const networks: Record<NetworkName, EthereumNetwork> = {
  mainnet: {
    chainId: 1,
    gethFlag: "--mainnet",
    minDataDiskGb: 2000,
    // Lighthouse 8.1.3 on mainnet: about 14 GiB (eth-docker's ResourceUsage, April 2026).
    consensusMemoryMb: 14336,
    checkpointSyncUrl: "https://mainnet.checkpoint.sigp.io",
  },
  sepolia: {
    chainId: 11155111,
    gethFlag: "--sepolia",
    minDataDiskGb: 1000,
    consensusMemoryMb: 4096,
    checkpointSyncUrl: "https://checkpoint-sync.sepolia.ethpandaops.io",
  },
  hoodi: {
    chainId: 560048,
    gethFlag: "--hoodi",
    minDataDiskGb: 300,
    consensusMemoryMb: 4096,
    checkpointSyncUrl: "https://checkpoint-sync.hoodi.ethpandaops.io",
  },
};

/** Memory (MiB) beyond geth's cache: geth's own working set outside the cache. */
export const gethOverheadMb = 4096;
/** Memory (MiB) for Prometheus, Grafana, the DEFIMON services and the OS. */
export const hostOverheadMb = 4096;

/** Memory a host needs for a network and a geth cache. */
export function requiredMemoryMb(network: NetworkName, gethCacheMb: number): number {
  return gethCacheMb + gethOverheadMb + networks[network].consensusMemoryMb + hostOverheadMb;
}
