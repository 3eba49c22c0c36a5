/**
 * Each rule of the strict offline world, shown refusing a bad case (and passing a good
 * one), so none can pass by construction. The bad cases include the ones the stack
 * itself used to declare.
 */
import {
  alertPolicyProblems,
  budgetProblems,
  dashboardProblems,
  diskResourceProblems,
  healthCheckProblems,
  instanceProblems,
  instanceTemplateProblems,
  internalLoadBalancerProblems,
  labelProblems,
  metadataProblems,
  namingProblems,
  regionGroupProblems,
} from "../../../tools/plan/gcpRules";
import { runComponents } from "../../helpers/run";
import * as gcp from "@pulumi/gcp";

const vm = (overrides: Record<string, unknown> = {}) => ({
  name: "defimon-node-vm",
  zone: "europe-west1-b",
  machineType: "n2-highmem-8",
  bootDisk: { initializeParams: { size: 50, type: "pd-balanced" } },
  metadata: { "startup-script": "#!/bin/sh\n" },
  ...overrides,
});

describe("Compute Engine rules", () => {
  it("passes a well-formed instance", () => {
    expect(instanceProblems(vm(), ["pd-ssd"])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string[], RegExp]>([
    ["a machine type that does not exist", { machineType: "n2-standard-7" }, [], /machineType n2-standard-7: no such machine type in europe-west1/],
    ["a zone that does not exist", { zone: "europe-west1-z" }, [], /zone europe-west1-z does not exist; europe-west1 has europe-west1-b, europe-west1-c, europe-west1-d/],
    ["a region that does not exist", { zone: "europe-west99-b" }, [], /region europe-west99 does not exist/],
    ["a pd-balanced boot disk on n4", { machineType: "n4-standard-8" }, [], /boot disk pd-balanced: n4 machines attach only hyperdisk-balanced/],
    ["a pd-ssd data disk on c4", { machineType: "c4-standard-8", bootDisk: { initializeParams: { size: 50, type: "hyperdisk-balanced" } } }, ["pd-ssd"], /attached disk pd-ssd: c4 machines attach only hyperdisk-balanced/],
    ["a name with upper case", { name: "Defimon-VM" }, [], /name "Defimon-VM": 1 to 63 of \[a-z0-9-\]/],
    ["metadata over 512 KB", { metadata: { a: "x".repeat(200_000), b: "x".repeat(200_000), c: "x".repeat(200_000) } }, [], /metadata totals \d+ bytes; at most 524288/],
    ["a metadata value over 256 KB", { metadata: { a: "x".repeat(300_000) } }, [], /metadata a is 300000 bytes; a value holds at most 262144/],
  ])("refuses %s", (_case, overrides, attached, expected) => {
    expect(instanceProblems(vm(overrides), attached).join("\n")).toMatch(expected);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["pd-standard's absent cousin", { type: "pd-extreme" }, /disk type "pd-extreme" is not one of/],
    ["a disk over 64 TB", { type: "pd-ssd", size: 70000 }, /disk size 70000 GB: pd-ssd takes 10 to 65536/],
    ["provisioned IOPS on pd-ssd", { type: "pd-ssd", size: 500, provisionedIops: 5000 }, /provisionedIops is set, but pd-ssd takes no provisioned performance/],
    ["Hyperdisk IOPS above 160,000", { type: "hyperdisk-balanced", size: 500, provisionedIops: 200000 }, /provisionedIops 200000: hyperdisk-balanced takes 3000 to 160000/],
  ])("refuses a disk with %s", (_case, overrides, expected) => {
    expect(diskResourceProblems({ name: "chaindata", zone: "europe-west1-b", size: 500, ...overrides }).join("\n")).toMatch(expected);
    expect(diskResourceProblems({ name: "chaindata", zone: "europe-west1-b", size: 500, type: "pd-ssd" })).toEqual([]);
  });

  it("refuses labels Google refuses", () => {
    expect(labelProblems({ team: "defimon" })).toEqual([]);
    expect(labelProblems({ Team: "x", env: "Prod" })).toEqual(['labels key "Team": 1 to 63 of [a-z0-9_-], starting with a letter', 'labels.env = "Prod": 0 to 63 of [a-z0-9_-]']);
    expect(labelProblems(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "x"])))).toEqual(["labels has 65 labels; at most 64"]);
    expect(metadataProblems({ "bad key!": "x" })).toEqual(['metadata key "bad key!": 1 to 128 of [a-zA-Z0-9-_]']);
  });

  it("refuses names IAM, Secret Manager and Pub/Sub refuse", () => {
    expect(namingProblems("gcp:serviceaccount/account:Account", { accountId: "defimon-node-test-feature-alpha-1" })).toEqual([
      'accountId "defimon-node-test-feature-alpha-1": 6 to 30 of [a-z0-9-], a letter first (IAM)',
    ]);
    expect(namingProblems("gcp:secretmanager/secret:Secret", { secretId: "a/b" })).toHaveLength(1);
    expect(namingProblems("gcp:pubsub/topic:Topic", { name: "goog-events" })).toHaveLength(1);
    expect(namingProblems("gcp:pubsub/topic:Topic", { name: "defimon-events" })).toEqual([]);
  });

  it("refuses a seed image with no source or two (the Images API takes exactly one)", () => {
    expect(namingProblems("gcp:compute/image:Image", { name: "defimon-seed-prod" })).toEqual(["an image takes exactly one of sourceDisk, sourceImage, sourceSnapshot, rawDisk; has none"]);
    expect(namingProblems("gcp:compute/image:Image", { name: "defimon-seed-prod", sourceSnapshot: "s", sourceDisk: "d" })).toEqual(["an image takes exactly one of sourceDisk, sourceImage, sourceSnapshot, rawDisk; has sourceDisk, sourceSnapshot"]);
    expect(namingProblems("gcp:compute/image:Image", { name: "defimon-seed-prod", sourceSnapshot: "s" })).toEqual([]);
  });

  it("refuses what Pub/Sub, BigQuery and Cloud Storage refuse for the event sinks", () => {
    const subscription = (inputs: Record<string, unknown>) => namingProblems("gcp:pubsub/subscription:Subscription", { name: "defimon-events-x", ...inputs });
    expect(subscription({ filter: "x".repeat(257) })).toEqual(["filter is 257 bytes; at most 256"]);
    expect(subscription({ bigqueryConfig: { table: "p.d.t", useTopicSchema: true, useTableSchema: true } })).toEqual(["bigqueryConfig: useTopicSchema and useTableSchema exclude each other"]);
    expect(subscription({ bigqueryConfig: { table: "p.d.t" }, enableExactlyOnceDelivery: true })).toEqual(["exactly-once delivery is for pull subscriptions only; this one has bigqueryConfig"]);
    expect(subscription({ bigqueryConfig: { table: "p.d.t" }, cloudStorageConfig: { bucket: "b" } })).toEqual(["one delivery type per subscription; has bigqueryConfig, cloudStorageConfig"]);
    expect(namingProblems("gcp:pubsub/schema:Schema", { name: "defimon-events-event", type: "PROTOCOL_BUFFER", definition: "x".repeat(300 * 1024 + 1) })).toEqual(["definition is over 300 KB"]);
    expect(namingProblems("gcp:bigquery/dataset:Dataset", { datasetId: "defimon-events" })).toEqual(['datasetId "defimon-events": 1 to 1024 of letters, digits and _']);
    const columns = JSON.stringify([{ name: "publish_time", type: "TIMESTAMP" }, { name: "network", type: "STRING" }]);
    const table = (inputs: Record<string, unknown>) => namingProblems("gcp:bigquery/table:Table", { tableId: "events", schema: columns, ...inputs });
    expect(table({ timePartitioning: { type: "DAY", field: "publish_time" }, clusterings: ["network"] })).toEqual([]);
    expect(table({ timePartitioning: { type: "DAY", field: "network" } })).toEqual(['timePartitioning.field "network": a TIMESTAMP, DATE or DATETIME column of the table (it is STRING)']);
    expect(table({ clusterings: ["network", "event_type"] })).toEqual(['clusterings: "event_type" is not a column of the table']);
    expect(namingProblems("gcp:storage/bucket:Bucket", { name: "Defimon_Archive" })).toHaveLength(1);
    expect(namingProblems("gcp:storage/bucket:Bucket", { name: "defimon-prod-defimon-events-archive" })).toEqual([]);
  });
});

describe("managed instance group and internal load balancer rules", () => {
  const template = (overrides: Record<string, unknown> = {}) => ({
    machineType: "n2-highmem-8",
    disks: [
      { boot: true, diskType: "pd-balanced", diskSizeGb: 50 },
      { boot: false, deviceName: "chaindata", diskType: "pd-ssd", diskSizeGb: 2500 },
    ],
    ...overrides,
  });
  const group = (overrides: Record<string, unknown> = {}, policy: Record<string, unknown> = {}) => ({
    region: "europe-west1",
    baseInstanceName: "defimon-node-prod",
    targetSize: 3,
    distributionPolicyZones: ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
    statefulDisks: [{ deviceName: "chaindata", deleteRule: "NEVER" }],
    autoHealingPolicies: { healthCheck: "hc", initialDelaySec: 900 },
    updatePolicy: { type: "OPPORTUNISTIC", maxSurgeFixed: 0, maxUnavailableFixed: 3, replacementMethod: "RECREATE", instanceRedistributionType: "NONE", ...policy },
    ...overrides,
  });

  it("passes the stack's template, group, checks and balancer", () => {
    expect(instanceTemplateProblems(template(), "europe-west1")).toEqual([]);
    expect(regionGroupProblems(group())).toEqual([]);
    expect(healthCheckProblems({ checkIntervalSec: 10, timeoutSec: 5, httpHealthCheck: { port: 8558, requestPath: "/health" } })).toEqual([]);
    expect(internalLoadBalancerProblems("gcp:compute/regionBackendService:RegionBackendService", { loadBalancingScheme: "INTERNAL", protocol: "TCP", healthChecks: "hc", backends: [{ group: "g", balancingMode: "CONNECTION" }] })).toEqual([]);
    expect(internalLoadBalancerProblems("gcp:compute/forwardingRule:ForwardingRule", { loadBalancingScheme: "INTERNAL", ports: ["8545", "8546"], backendService: "bs" })).toEqual([]);
  });

  it.each<[string, string[]]>([
    ["a template whose machine type the region lacks", instanceTemplateProblems(template({ machineType: "n2-standard-7" }), "europe-west1")],
    ["a template with a pd-ssd chain disk on c4", instanceTemplateProblems(template({ machineType: "c4-standard-8", disks: [{ boot: true, diskType: "hyperdisk-balanced", diskSizeGb: 50 }, { deviceName: "chaindata", diskType: "pd-ssd", diskSizeGb: 2500 }] }), "europe-west1")],
    ["a template without a boot disk", instanceTemplateProblems(template({ disks: [{ deviceName: "chaindata", diskType: "pd-ssd", diskSizeGb: 2500 }] }), "europe-west1")],
    ["maxUnavailable 1 in a three-zone group (one at a time is not possible)", regionGroupProblems(group({}, { maxUnavailableFixed: 1 }))],
    ["maxSurge and maxUnavailable both 0", regionGroupProblems(group({}, { maxUnavailableFixed: 0 }))],
    ["a percentage in a group under 10", regionGroupProblems(group({}, { maxUnavailableFixed: undefined, maxUnavailablePercent: 50 }))],
    ["surging a stateful group", regionGroupProblems(group({}, { maxSurgeFixed: 3 }))],
    ["substituting nodes of a stateful group", regionGroupProblems(group({}, { replacementMethod: "SUBSTITUTE" }))],
    ["redistributing a stateful regional group", regionGroupProblems(group({}, { instanceRedistributionType: "PROACTIVE" }))],
    ["a zone of another region", regionGroupProblems(group({ distributionPolicyZones: ["europe-west1-b", "europe-west4-a"] }))],
    ["a base name over 58 characters", regionGroupProblems(group({ baseInstanceName: "d".repeat(59) }))],
    ["autohealing that waits over an hour", regionGroupProblems(group({ autoHealingPolicies: { healthCheck: "hc", initialDelaySec: 7200 } }))],
    ["a health check timing out after its interval", healthCheckProblems({ checkIntervalSec: 5, timeoutSec: 10, httpHealthCheck: { port: 8558 } })],
    ["a health check with no probe", healthCheckProblems({ checkIntervalSec: 10, timeoutSec: 5 })],
    ["an internal balancer over HTTP", internalLoadBalancerProblems("gcp:compute/regionBackendService:RegionBackendService", { loadBalancingScheme: "INTERNAL", protocol: "HTTP", healthChecks: "hc" })],
    ["an internal balancer by utilization", internalLoadBalancerProblems("gcp:compute/regionBackendService:RegionBackendService", { loadBalancingScheme: "INTERNAL", healthChecks: "hc", backends: [{ group: "g", balancingMode: "UTILIZATION" }] })],
    ["an internal balancer without a health check", internalLoadBalancerProblems("gcp:compute/regionBackendService:RegionBackendService", { loadBalancingScheme: "INTERNAL", protocol: "TCP" })],
    ["an internal forwarding rule with 6 ports", internalLoadBalancerProblems("gcp:compute/forwardingRule:ForwardingRule", { loadBalancingScheme: "INTERNAL", ports: ["1", "2", "3", "4", "5", "6"], backendService: "bs" })],
  ])("refuses %s", (_case, problems) => {
    expect(problems).toHaveLength(1);
  });

  it("says why, naming the field and what is allowed", () => {
    expect(regionGroupProblems(group({}, { maxUnavailableFixed: 1 }))).toEqual(["updatePolicy.maxUnavailableFixed 1: 0 or at least the number of zones (3)"]);
    expect(regionGroupProblems(group({}, { replacementMethod: undefined }))).toEqual(["stateful disks: updatePolicy.replacementMethod must be RECREATE, not SUBSTITUTE (the default)"]);
    expect(internalLoadBalancerProblems("gcp:compute/forwardingRule:ForwardingRule", { loadBalancingScheme: "INTERNAL", ports: ["1", "2", "3", "4", "5", "6"], backendService: "bs" })).toEqual(["ports: at most 5, have 6 (1, 2, 3, 4, 5, 6)"]);
  });
});

describe("Cloud Monitoring rules", () => {
  const gethHead = 'resource.type = "prometheus_target" AND metric.type = "prometheus.googleapis.com/chain_head_block/gauge"';
  const threshold = (filter: string, aligner: string) => ({
    conditions: [{ conditionThreshold: { filter, duration: "0s", comparison: "COMPARISON_LT", thresholdValue: 1, aggregations: [{ alignmentPeriod: "900s", perSeriesAligner: aligner }] } }],
  });

  it("refuses the stack's old geth-stalled condition: ALIGN_DELTA on a GAUGE", () => {
    expect(alertPolicyProblems(threshold(gethHead, "ALIGN_DELTA"))).toEqual([
      "condition 0: a filter on prometheus.googleapis.com/chain_head_block/gauge, which exists only once written: on a project where nothing wrote it yet Monitoring answers 404 \"Cannot find metric(s)\"; use a PromQL condition with disableMetricValidation",
      "condition 0: ALIGN_DELTA is valid for CUMULATIVE/DELTA metrics, and prometheus.googleapis.com/chain_head_block/gauge is GAUGE DOUBLE (the API answers 400)",
    ]);
  });

  it("refuses conditions that a new project cannot create: the old geth-down (absence of a Prometheus metric) and PromQL on a metric never written, without disableMetricValidation", () => {
    expect(alertPolicyProblems({ conditions: [{ conditionAbsent: { filter: gethHead, duration: "600s", aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MEAN" }] } }] })).toEqual([
      "condition 0: a filter on prometheus.googleapis.com/chain_head_block/gauge, which exists only once written: on a project where nothing wrote it yet Monitoring answers 404 \"Cannot find metric(s)\"; use a PromQL condition with disableMetricValidation",
    ]);
    const promql = (query: string, disableMetricValidation?: boolean) => ({ conditions: [{ conditionPrometheusQueryLanguage: { query, duration: "60s", evaluationInterval: "60s", disableMetricValidation } }] });
    expect(alertPolicyProblems(promql('changes(chain_head_block{job="geth"}[15m]) == 0'))).toEqual([
      "condition 0: PromQL on chain_head_block, which Monitoring refuses until the metric has been written, unless disableMetricValidation is true",
    ]);
    expect(alertPolicyProblems(promql('changes(chain_head_block{job="geth"}[15m]) == 0', true))).toEqual([]);
    // Google's own metrics (a domain before the colon) always exist.
    expect(alertPolicyProblems(promql("sum by (zone) (compute_googleapis_com:instance_uptime) == 0"))).toEqual([]);
  });

  it("refuses ALIGN_RATE on a gauge, an unknown metric, and a bad PromQL interval", () => {
    expect(alertPolicyProblems(threshold('metric.type = "agent.googleapis.com/memory/percent_used"', "ALIGN_RATE"))[0]).toMatch(/ALIGN_RATE is valid for CUMULATIVE\/DELTA/);
    expect(alertPolicyProblems(threshold('metric.type = "agent.googleapis.com/nope"', "ALIGN_MAX"))[0]).toMatch(/not in the offline plan's metric catalog/);
    const promql = (query: string, evaluationInterval: string) => ({ conditions: [{ conditionPrometheusQueryLanguage: { query, duration: "60s", evaluationInterval, disableMetricValidation: true } }] });
    expect(alertPolicyProblems(promql("changes(chain_head_block[15m]) == 0", "60s"))).toEqual([]);
    expect(alertPolicyProblems(promql("changes(chain_head_block[15m]) == 0", "45s"))).toEqual(["condition 0: evaluationInterval 45s is not a positive multiple of 30s"]);
    expect(alertPolicyProblems(promql("rate(chain_head_block[15m]) == 0", "60s"))).toEqual(["condition 0: rate() over the gauge chain_head_block; rate is for counters"]);
    expect(alertPolicyProblems({ conditions: [] })).toEqual(["has 0 conditions; 1 to 6"]);
  });

  it("refuses the stack's old dashboard tiles at xPos 0 (a diff on every preview)", () => {
    const tile = (extra: object) => ({ width: 24, height: 4, widget: { xyChart: { dataSets: [{ timeSeriesQuery: { timeSeriesFilter: { filter: gethHead, aggregation: { perSeriesAligner: "ALIGN_MAX" } } } }] } }, ...extra });
    expect(dashboardProblems(JSON.stringify({ mosaicLayout: { tiles: [tile({ xPos: 0, yPos: 0 })] } }))).toEqual([
      "tile 0: xPos is 0, which the API drops: a diff on every preview",
      "tile 0: yPos is 0, which the API drops: a diff on every preview",
    ]);
    expect(dashboardProblems(JSON.stringify({ mosaicLayout: { tiles: [tile({ xPos: 24 })] } }))).toEqual([]);
    expect(dashboardProblems("{not json")).toEqual(["dashboardJson is not JSON"]);
  });

  it("refuses a budget with 6 channels, or without a quota project", () => {
    const provider = { billingProject: "p", userProjectOverride: "true" };
    const channels = (n: number) => ({ allUpdatesRule: { monitoringNotificationChannels: Array.from({ length: n }, (_, i) => `c${i}`) } });
    expect(budgetProblems(channels(5), provider)).toEqual([]);
    expect(budgetProblems(channels(6), provider)).toEqual(["allUpdatesRule notifies 6 channels; at most 5"]);
    expect(budgetProblems(channels(1), undefined)).toEqual(["its provider sets no billingProject with userProjectOverride: the Billing Budgets API answers 403 to user credentials"]);
  });
});

describe("the mocks apply the rules to every planned resource", () => {
  it("fail the plan with one line per refusal, naming type and resource, all at once", async () => {
    const failure = await runComponents(() => {
      new gcp.compute.Disk("bad-disk", { zone: "europe-west1-a", type: "pd-ssd", size: 5 });
      new gcp.pubsub.Topic("bad-topic", { name: "goog-x" });
    }).catch((error: Error) => error);
    const [head, ...lines] = (failure as Error).message.split("\n");
    expect(head).toBe("Google Cloud would refuse this plan:");
    // Registration is asynchronous: the order of resources may vary.
    expect(lines.sort()).toEqual([
      "gcp:compute/disk:Disk bad-disk: zone europe-west1-a does not exist; europe-west1 has europe-west1-b, europe-west1-c, europe-west1-d",
      "gcp:compute/disk:Disk bad-disk: disk size 5 GB: pd-ssd takes 10 to 65536",
      'gcp:pubsub/topic:Topic bad-topic: name "goog-x": 3 to 255 characters, a letter first, not goog...',
    ].sort());
  });
});
