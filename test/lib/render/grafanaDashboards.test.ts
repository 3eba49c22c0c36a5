/**
 * The node's dashboards, checked against the real things offline: every query parses with
 * the Prometheus project's PromQL parser (@prometheus-io/lezer-promql, the grammar of
 * Prometheus's own UI), and every metric a panel names is one the pinned client exposes
 * (tools/data/client-metrics.json, read from the clients' sources), or the health
 * endpoint's (boot/health.py's own exposition), or Prometheus's per-target series.
 */
import * as fs from "fs";
import * as path from "path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";
import catalog from "../../../tools/data/client-metrics.json";
import { defaultImages } from "../../../lib/images";
import { Dashboard, dashboardFile, dashboardProviderFile, dashboardsPath, nodeDashboards, prometheusDatasourceUid, renderDashboard, renderDashboardFiles } from "../../../lib/render/grafanaDashboards";
import { renderGrafanaDatasources } from "../../../lib/render/prometheus";

const root = path.resolve(__dirname, "..", "..", "..");

type Entry = { type: string };
type ClientList = { appliesTo?: string; metrics: Record<string, Entry>; templates?: Record<string, Entry & { example: string }> };
const lists = catalog as unknown as Record<string, ClientList>;

/** The health endpoint's metrics, from its own exposition (# TYPE lines in boot/health.py). */
const healthMetrics = [...fs.readFileSync(path.join(root, "boot", "health.py"), "utf8").matchAll(/# TYPE (\w+) (\w+)/g)].map((match) => match[1]);

/** Exposed names of a list: a histogram's _bucket, _sum and _count, a summary's _count. */
function exposedNames(list: ClientList): string[] {
  const expand = (name: string, entry: Entry) => [name, ...(entry.type === "histogram" ? ["_bucket", "_sum", "_count"] : entry.type === "summary" ? ["_count"] : []).map((suffix) => name + suffix)];
  return [
    ...Object.entries(list.metrics).flatMap(([name, entry]) => expand(name, entry)),
    ...Object.entries(list.templates ?? {}).flatMap(([name, entry]) => expand(name.replace("<method>", entry.example), entry)),
  ];
}

/** Why a query does not parse, or what it selects: metric names (or __name__ regexes) with their job. */
function inspectQuery(expr: string): { error?: string; selectors: { metric?: string; nameRegex?: string; job?: string }[] } {
  const tree = parser.parse(expr);
  let error: string | undefined;
  const selectors: { metric?: string; nameRegex?: string; job?: string }[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && error === undefined) error = `does not parse at ${node.from}: ${JSON.stringify(expr.slice(node.from, node.from + 20))}`;
      if (node.name !== "VectorSelector") return;
      const text = expr.slice(node.from, node.to);
      const metric = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)?.[0];
      selectors.push({ metric, nameRegex: /__name__=~"([^"]+)"/.exec(text)?.[1], job: /job="([^"]+)"/.exec(text)?.[1] });
    },
  });
  return { error, selectors };
}

/** Every problem of a dashboard's queries, one line each. */
function queryProblems(dashboard: Dashboard): string[] {
  const problems: string[] = [];
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.queries) {
      const { error, selectors } = inspectQuery(expr);
      if (error) problems.push(`${dashboard.uid} / ${panel.title}: ${error}`);
      for (const selector of selectors) {
        // Prometheus's own series (up, ...) exist for every job; the health endpoint's job is defimon-health.
        const ofJob = selector.job === "defimon-health" ? healthMetrics : selector.job ? (lists[selector.job] ? exposedNames(lists[selector.job]) : []) : healthMetrics;
        const known = [...ofJob, ...exposedNames(lists.prometheus)];
        const where = selector.job ? `job ${selector.job}` : "the health endpoint or Prometheus";
        if (selector.metric && !known.includes(selector.metric)) problems.push(`${dashboard.uid} / ${panel.title}: ${selector.metric} is not a metric of ${where}`);
        if (selector.nameRegex && !known.some((name) => new RegExp(`^(?:${selector.nameRegex})$`).test(name))) problems.push(`${dashboard.uid} / ${panel.title}: __name__=~"${selector.nameRegex}" matches no metric of ${where}`);
        if (!selector.metric && !selector.nameRegex) problems.push(`${dashboard.uid} / ${panel.title}: a selector without a metric name`);
      }
    }
  }
  return problems;
}

describe("the node's Grafana dashboards", () => {
  it("name only metrics the pinned clients expose, in queries that parse", () => {
    expect(nodeDashboards.flatMap(queryProblems)).toEqual([]);
  });

  it("have a metric list for each pinned client's version: a client upgrade past it fails here until the list is read again", () => {
    for (const client of ["geth", "lighthouse"] as const) {
      const tag = defaultImages[client].split(":")[1];
      expect([client, tag.startsWith(lists[client].appliesTo!)]).toEqual([client, true]);
    }
  });

  it("fail the check on a renamed metric, a metric of the other client, and a query that does not parse", () => {
    const broken: Dashboard = {
      uid: "broken",
      title: "broken",
      answers: "",
      panels: [
        { title: "renamed", description: "", kind: "stat", queries: [{ expr: 'chain_head_blocks{job="geth"}' }] },
        { title: "other client", description: "", kind: "stat", queries: [{ expr: 'beacon_head_slot{job="geth"}' }] },
        { title: "unparsed", description: "", kind: "stat", queries: [{ expr: 'sum by (job) (up{job="geth"}' }] },
        { title: "no match", description: "", kind: "stat", queries: [{ expr: '{__name__=~"rpc_latency_.+",job="geth"}' }] },
      ],
    };
    expect(queryProblems(broken)).toEqual([
      "broken / renamed: chain_head_blocks is not a metric of job geth",
      "broken / other client: beacon_head_slot is not a metric of job geth",
      'broken / unparsed: does not parse at 28: ""',
      'broken / no match: __name__=~"rpc_latency_.+" matches no metric of job geth',
    ]);
  });

  it("render as Grafana dashboard JSON on the provisioned data source, laid out on Grafana's 24-column grid", () => {
    const datasources = parse(renderGrafanaDatasources()).datasources;
    expect(datasources.map((source: { uid: string }) => source.uid)).toEqual([prometheusDatasourceUid]);
    const uids = new Set<string>();
    for (const dashboard of nodeDashboards) {
      const model = JSON.parse(renderDashboard(dashboard));
      expect(uids.has(model.uid)).toBe(false);
      uids.add(model.uid);
      expect(model).toMatchObject({ uid: dashboard.uid, title: dashboard.title, editable: false, schemaVersion: 39 });
      const ids = model.panels.map((panel: { id: number }) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of model.panels) {
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        expect(panel.datasource).toEqual({ type: "prometheus", uid: prometheusDatasourceUid });
        expect(panel.targets.length).toBeGreaterThan(0);
      }
    }
  });

  it("are provisioned from one folder, the one each dashboard file is mounted into", () => {
    const files = renderDashboardFiles();
    const provider = parse(files[dashboardProviderFile]);
    expect(provider.providers).toEqual([expect.objectContaining({ type: "file", allowUiUpdates: false, options: expect.objectContaining({ path: dashboardsPath }) })]);
    expect(Object.keys(files).sort()).toEqual([dashboardProviderFile, ...nodeDashboards.map((dashboard) => dashboardFile(dashboard.uid))].sort());
  });
});
