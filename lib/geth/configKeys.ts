/**
 * The keys geth's TOML config file accepts, per table: the exported fields of
 * go-ethereum's config structs (cmd/geth/config.go gethConfig: ethconfig.Config,
 * node.Config, p2p.Config, metrics.Config, ethstatsConfig), minus those tagged
 * `toml:"-"`, as of go-ethereum v1.17. geth refuses to start on any other key
 * ("field 'X' is not defined in ethconfig.Config").
 */
export const gethConfigKeys: Record<string, string[]> = {
  "": ["Eth", "Node", "Ethstats", "Metrics"],
  Eth: [
    "Genesis", "NetworkId", "SyncMode", "HistoryMode", "EthDiscoveryURLs", "SnapDiscoveryURLs", "NoPruning", "NoPrefetch",
    "TxLookupLimit", "TransactionHistory", "LogHistory", "LogNoHistory", "LogExportCheckpoints", "StateHistory",
    "TrienodeHistory", "NodeFullValueCheckpoint", "StateScheme", "BinTrieGroupDepth", "SlowBlockThreshold",
    "DatabaseCache", "DatabaseFreezer", "DatabaseEra", "TrieCleanCache", "TrieDirtyCache", "TrieTimeout", "SnapshotCache",
    "Preimages", "FilterLogCacheSize", "LogQueryLimit", "Miner", "TxPool", "BlobPool", "GPO", "EnablePreimageRecording",
    "EnableWitnessStats", "StatelessSelfValidation", "SnapV2", "VMTrace", "VMTraceJsonConfig", "RPCGasCap", "RPCEVMTimeout",
    "RPCTxFeeCap", "EngineMaxReorgDepth", "OverrideOsaka", "OverrideAmsterdam", "OverrideBPO1", "OverrideBPO2", "OverrideUBT",
    "TxSyncDefaultTimeout", "TxSyncMaxTimeout", "RangeLimit",
  ],
  Node: [
    "UserIdent", "DataDir", "P2P", "KeyStoreDir", "ExternalSigner", "UseLightweightKDF", "InsecureUnlockAllowed", "USB",
    "SmartCardDaemonPath", "IPCPath", "HTTPHost", "HTTPPort", "HTTPCors", "HTTPVirtualHosts", "HTTPModules", "HTTPTimeouts",
    "HTTPPathPrefix", "AuthAddr", "AuthPort", "AuthVirtualHosts", "WSHost", "WSPort", "WSPathPrefix", "WSOrigins", "WSModules",
    "WSExposeAll", "GraphQLCors", "GraphQLVirtualHosts", "AllowUnprotectedTxs", "BatchRequestLimit", "BatchResponseMaxSize",
    "HTTPBodyLimit", "JWTSecret", "DBEngine", "OpenTelemetry",
  ],
  "Node.P2P": [
    "MaxPeers", "MaxPendingPeers", "DialRatio", "NoDiscovery", "DiscoveryV4", "DiscoveryV5", "BootstrapNodes",
    "BootstrapNodesV5", "StaticNodes", "TrustedNodes", "NetRestrict", "NodeDatabase", "ListenAddr", "DiscAddr", "NAT",
    "NoDial", "EnableMsgEvents",
  ],
  "Node.HTTPTimeouts": ["ReadTimeout", "ReadHeaderTimeout", "WriteTimeout", "IdleTimeout"],
  Metrics: [
    "Enabled", "HTTP", "Port", "EnableInfluxDB", "InfluxDBEndpoint", "InfluxDBDatabase", "InfluxDBUsername",
    "InfluxDBPassword", "InfluxDBTags", "InfluxDBInterval", "EnableInfluxDBV2", "InfluxDBToken", "InfluxDBBucket",
    "InfluxDBOrganization",
  ],
  Ethstats: ["URL"],
};

/** RPC namespaces that may be served over HTTP/WS: read-only ones. */
export const safeRpcModules = ["eth", "net", "web3", "txpool"];

/**
 * The keys of a parsed geth config that geth would refuse, as "Table.Key": keys no
 * struct has, and values where geth expects a table (`P2P = 30303` under [Node]).
 */
export function invalidGethKeys(config: Record<string, unknown>, table = ""): string[] {
  const known = gethConfigKeys[table];
  return Object.entries(config).flatMap(([key, value]) => {
    const path = table ? `${table}.${key}` : key;
    if (!known?.includes(key)) return [path];
    const isTable = value !== null && typeof value === "object" && !Array.isArray(value);
    if (gethConfigKeys[path] === undefined) return [];
    return isTable ? invalidGethKeys(value as Record<string, unknown>, path) : [path];
  });
}
