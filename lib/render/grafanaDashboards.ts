/**
 * The node's Grafana dashboards, provisioned from files (Grafana's file provisioning:
 * a provider in /etc/grafana/provisioning/dashboards/ naming a folder of dashboard JSON).
 * Each dashboard is data (what it answers, its panels and their PromQL) rendered into
 * Grafana's dashboard JSON by a pure function, like the other boot files. Every node of a
 * group runs its own Prometheus and Grafana, so each shows its own node.
 *
 * The metrics each panel names are checked against what the pinned clients expose
 * (data/client-metrics.json, from the clients' sources) and each query against the
 * Prometheus project's PromQL parser: test/lib/render/grafanaDashboards.test.ts.
 */
import type { Dashboard as GrafanaDashboard, Panel as GrafanaPanel } from "@grafana/schema";
import { stringify } from "yaml";

/** Where the container finds the dashboards: the provider names this folder. */
export const dashboardsPath = "/etc/grafana/dashboards/defimon";
/** The provisioned data source's uid (lib/render/prometheus.ts provisions it). */
export const prometheusDatasourceUid = "prometheus";

export interface PanelQuery {
  expr: string;
  /** Grafana's legend template, e.g. "{{quantile}}". */
  legend?: string;
}

export interface Panel {
  title: string;
  /** What the panel answers, shown as its description. */
  description: string;
  kind: "stat" | "timeseries" | "table";
  queries: PanelQuery[];
  /** Grafana's unit id: none, s, ns, bytes, percent, reqps, short. */
  unit?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  /** The question it answers, for the docs and the dashboard's description. */
  answers: string;
  panels: Panel[];
}

const geth = 'job="geth"';
const lighthouse = 'job="lighthouse"';

/** The dashboards every node provisions. */
export const nodeDashboards: Dashboard[] = [
  {
    uid: "defimon-execution",
    title: "DEFIMON: execution client (geth)",
    answers: "Is geth following the chain, with peers, and what load does it carry (transactions, database, RPC)?",
    panels: [
      { title: "Head block", description: "The newest block geth has imported (chain_head_block).", kind: "stat", queries: [{ expr: `chain_head_block{${geth}}` }], unit: "none" },
      { title: "Blocks imported, last 5 minutes", description: "0 while geth is stalled: the same test as the head-stall alert (about 25 on mainnet).", kind: "stat", queries: [{ expr: `changes(chain_head_block{${geth}}[5m])` }], unit: "none" },
      { title: "Headers ahead of blocks", description: "How far the downloaded headers run ahead of imported blocks: large while syncing, near 0 once in sync (geth exposes no sync progress of its own).", kind: "timeseries", queries: [{ expr: `chain_head_header{${geth}} - chain_head_block{${geth}}`, legend: "headers - blocks" }], unit: "none" },
      { title: "Peers", description: "Connected peers, inbound and outbound (at most defimon:node.maxPeers).", kind: "timeseries", queries: [{ expr: `p2p_peers{${geth}}`, legend: "all" }, { expr: `p2p_peers_inbound{${geth}}`, legend: "inbound" }, { expr: `p2p_peers_outbound{${geth}}`, legend: "outbound" }], unit: "none" },
      { title: "Transaction pool", description: "Executable (pending) and future (queued) transactions.", kind: "timeseries", queries: [{ expr: `txpool_pending{${geth}}`, legend: "pending" }, { expr: `txpool_queued{${geth}}`, legend: "queued" }], unit: "none" },
      { title: "Chain data size", description: "The database on the data disk, and the ancient store (growth: compare with the disk's size and the disk-usage alert).", kind: "timeseries", queries: [{ expr: `eth_db_chaindata_disk_size{${geth}}`, legend: "database" }, { expr: `eth_db_chaindata_ancient_size{${geth}}`, legend: "ancient" }], unit: "bytes" },
      { title: "Chain data growth, per day", description: "Database plus ancient store, over the last day.", kind: "stat", queries: [{ expr: `delta(eth_db_chaindata_disk_size{${geth}}[1d]) + delta(eth_db_chaindata_ancient_size{${geth}}[1d])` }], unit: "bytes" },
      { title: "Database writes and reads", description: "Bytes a second written to and read from the chain database and the ancient store (pebble reports its reads as 0).", kind: "timeseries", queries: [{ expr: `rate(eth_db_chaindata_disk_write{${geth}}[5m])`, legend: "database write" }, { expr: `rate(eth_db_chaindata_disk_read{${geth}}[5m])`, legend: "database read" }, { expr: `rate(eth_db_chaindata_ancient_write{${geth}}[5m])`, legend: "ancient write" }, { expr: `rate(eth_db_chaindata_ancient_read{${geth}}[5m])`, legend: "ancient read" }], unit: "Bps" },
      { title: "RPC requests", description: "JSON-RPC requests a second, and those that failed.", kind: "timeseries", queries: [{ expr: `rate(rpc_requests{${geth}}[5m])`, legend: "requests" }, { expr: `rate(rpc_failure{${geth}}[5m])`, legend: "failures" }], unit: "reqps" },
      { title: "RPC latency", description: "Quantiles of every RPC call's duration (geth reports nanoseconds).", kind: "timeseries", queries: [{ expr: `rpc_duration_all{${geth},quantile=~"0.5|0.95|0.99"}`, legend: "p{{quantile}}" }], unit: "ns" },
      { title: "RPC calls by method, per scrape", description: "Calls of each method since the previous scrape (geth's per-method timers reset at every scrape).", kind: "timeseries", queries: [{ expr: `{__name__=~"rpc_duration_.+_(success|failure)_count",${geth}}`, legend: "{{__name__}}" }], unit: "none" },
      { title: "CPU and memory", description: "Cores geth uses, and the Go runtime's memory in use.", kind: "timeseries", queries: [{ expr: `rate(system_cpu_procload_total{${geth}}[5m])`, legend: "cores" }, { expr: `system_memory_used{${geth}}`, legend: "memory in use" }], unit: "short" },
    ],
  },
  {
    uid: "defimon-consensus",
    title: "DEFIMON: consensus client (Lighthouse)",
    answers: "Is the beacon node at the head and finalizing, with peers and its execution client, and custodying its data columns?",
    panels: [
      { title: "Head slot", description: "The beacon node's head (beacon_head_slot).", kind: "stat", queries: [{ expr: `beacon_head_slot{${lighthouse}}` }], unit: "none" },
      { title: "Sync distance", description: "Slots between the wall clock and the head: 0 or 1 when in sync.", kind: "stat", queries: [{ expr: `slotclock_present_slot{${lighthouse}} - beacon_head_slot{${lighthouse}}` }], unit: "none" },
      { title: "Synced", description: "1 when Lighthouse considers itself synced.", kind: "stat", queries: [{ expr: `sync_eth2_synced{${lighthouse}}` }], unit: "none" },
      { title: "Execution client validating", description: "0 while the head is optimistic: geth has not validated it yet (syncing, behind or unreachable).", kind: "stat", queries: [{ expr: `1 - optimistic_sync{${lighthouse}}` }], unit: "none" },
      { title: "Finality", description: "Finalized and justified epochs; epochs since finality stays at 2 on a healthy network.", kind: "timeseries", queries: [{ expr: `beacon_finalized_epoch{${lighthouse}}`, legend: "finalized" }, { expr: `beacon_current_justified_epoch{${lighthouse}}`, legend: "justified" }, { expr: `slotclock_present_epoch{${lighthouse}} - beacon_finalized_epoch{${lighthouse}}`, legend: "epochs since finality" }], unit: "none" },
      { title: "Peers", description: "Connected peers, and by direction.", kind: "timeseries", queries: [{ expr: `libp2p_peers{${lighthouse}}`, legend: "all" }, { expr: `sum by (direction) (libp2p_peers_multi{${lighthouse}})`, legend: "{{direction}}" }], unit: "none" },
      { title: "Engine API calls", description: "Calls a second from Lighthouse to geth's engine API, by method.", kind: "timeseries", queries: [{ expr: `sum by (method) (rate(execution_layer_request_times_count{${lighthouse}}[5m]))`, legend: "{{method}}" }], unit: "reqps" },
      { title: "Data columns", description: "PeerDAS: data-column sidecars verified on gossip, and columns rebuilt by reconstruction, a second.", kind: "timeseries", queries: [{ expr: `rate(beacon_data_column_sidecar_processing_successes_total{${lighthouse}}[5m])`, legend: "verified" }, { expr: `rate(beacon_data_availability_reconstructed_columns_total{${lighthouse}}[5m])`, legend: "reconstructed" }], unit: "short" },
      { title: "Peers by custody", description: "Peers by the number of custody groups they hold.", kind: "timeseries", queries: [{ expr: `peers_per_custody_group_count{${lighthouse}}`, legend: "{{custody_group_count}} groups" }], unit: "none" },
      { title: "CPU and memory", description: "Cores Lighthouse uses, and its resident memory.", kind: "timeseries", queries: [{ expr: `rate(process_cpu_seconds_total{${lighthouse}}[5m])`, legend: "cores" }, { expr: `process_resident_memory_bytes{${lighthouse}}`, legend: "resident memory" }], unit: "short" },
    ],
  },
  {
    uid: "defimon-node",
    title: "DEFIMON: the node",
    answers: "Is this node ready for traffic, do its clients schedule the network's next upgrade, and are its scrape targets up?",
    panels: [
      { title: "Ready", description: "The health endpoint's verdict: 1 while /health answers 200 (synced, head fresh, clients on the chain), what the balancer routes on.", kind: "stat", queries: [{ expr: "defimon_node_ready" }], unit: "none" },
      { title: "Live", description: "1 while /health/live answers 200; a group recreates a node that stays 0 (its chain stopped moving).", kind: "stat", queries: [{ expr: "defimon_node_live" }], unit: "none" },
      { title: "Upgrades the running clients schedule", description: "Per client and network upgrade (activation time in the label): 1 scheduled, 0 not (replace the client before the activation), -1 the client did not say.", kind: "table", queries: [{ expr: "defimon_client_schedules_upgrade", legend: "{{client}} {{upgrade}}" }], unit: "none" },
      { title: "Scrape targets up", description: "1 per target Prometheus reaches: geth, Lighthouse, the health endpoint, Prometheus and each DEFIMON service with a port.", kind: "timeseries", queries: [{ expr: "up", legend: "{{job}}" }], unit: "none" },
      { title: "Target restarts, last hour", description: "Times a target went down and came back within the hour (a container restart shows here; the host has no container metrics).", kind: "timeseries", queries: [{ expr: "changes(up[1h])", legend: "{{job}}" }], unit: "none" },
    ],
  },
];

/** The file each dashboard is written to on the host, beside the other boot files. */
export const dashboardFile = (uid: string) => `grafana-dashboard-${uid.replace(/^defimon-/, "")}.json`;
/** The provider file: /etc/grafana/provisioning/dashboards/defimon.yml in the container. */
export const dashboardProviderFile = "grafana-dashboards.yml";

/** Grafana's file provider: one folder, read-only dashboards (edits in the UI would be lost at the next boot). */
export function renderDashboardProvider(): string {
  return `---\n${stringify({
    apiVersion: 1,
    providers: [{ name: "defimon", folder: "DEFIMON", type: "file", disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 60, options: { path: dashboardsPath, foldersFromFilesStructure: false } }],
  })}`;
}

const panelSize = { stat: { w: 6, h: 5 }, timeseries: { w: 12, h: 8 }, table: { w: 24, h: 8 } };

/**
 * A dashboard as Grafana's JSON model (schemaVersion 39, read by Grafana 10 and later),
 * typed by Grafana's own schema (@grafana/schema, the nearest release of the pinned
 * Grafana published on npm): a field Grafana does not know fails the type-check.
 */
export function renderDashboard(dashboard: Dashboard): string {
  const datasource = { type: "prometheus", uid: prometheusDatasourceUid };
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = dashboard.panels.map((panel, index): GrafanaPanel => {
    const { w, h } = panelSize[panel.kind];
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return {
      id: index + 1,
      type: panel.kind,
      title: panel.title,
      description: panel.description,
      datasource,
      gridPos,
      targets: panel.queries.map((query, queryIndex) => ({
        refId: String.fromCharCode(65 + queryIndex),
        datasource,
        expr: query.expr,
        ...(query.legend ? { legendFormat: query.legend } : {}),
        ...(panel.kind === "table" ? { format: "table", instant: true } : {}),
      })),
      fieldConfig: { defaults: { unit: panel.unit ?? "none" }, overrides: [] },
      options: {},
    };
  });
  const model: GrafanaDashboard = {
    uid: dashboard.uid,
    title: dashboard.title,
    description: dashboard.answers,
    tags: ["defimon"],
    timezone: "utc",
    editable: false,
    graphTooltip: 1,
    refresh: "30s",
    schemaVersion: 39,
    version: 1,
    time: { from: "now-6h", to: "now" },
    panels,
  };
  return `${JSON.stringify(model, null, 2)}\n`;
}

/** Every file Grafana's dashboard provisioning needs, by file name on the host. */
export function renderDashboardFiles(): Record<string, string> {
  return {
    [dashboardProviderFile]: renderDashboardProvider(),
    ...Object.fromEntries(nodeDashboards.map((dashboard) => [dashboardFile(dashboard.uid), renderDashboard(dashboard)])),
  };
}
