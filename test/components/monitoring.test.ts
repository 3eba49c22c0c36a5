import { dashboardDefinition, metricFilters, Operability, OperabilityArgs } from "../../components/monitoring";
import { named, ofType, Plan, runComponents } from "../helpers/run";

const base: OperabilityArgs = {
  subscriptionNames: ["defimon-events-sub", "defimon-events-ml-pipeline"],
  deadLetterSubscriptionNames: ["defimon-events-sub-dead-letter", "defimon-events-ml-pipeline-dead-letter"],
  topicName: "defimon-events",
  nodes: { instanceId: "4815162342000000001", instanceName: "defimon-node-vm" },
  alerts: { emails: [], oldestUnackedAgeSeconds: 300, backlogMessages: 1_000_000, diskUsedPercent: 85, memoryUsedPercent: 90, headStallMinutes: 15 },
  labels: { team: "defimon" },
};

const declare = (overrides: Partial<OperabilityArgs> = {}) => runComponents(() => new Operability("ops", { ...base, ...overrides }));
const condition = (plan: Plan, key: string) => (named(plan, `ops-${key}`).inputs.conditions as any[])[0];

describe("Operability alerts", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await declare();
  });

  // One row per alert: its metric filter, and the threshold it fires at.
  it.each<[string, string, string, number, string]>([
    ["oldest-unacked", 'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of("defimon-events-sub", "defimon-events-ml-pipeline") AND metric.type = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"', "COMPARISON_GT", 300, "300s"],
    ["backlog", 'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of("defimon-events-sub", "defimon-events-ml-pipeline") AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"', "COMPARISON_GT", 1_000_000, "300s"],
    ["dead-letters", 'resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of("defimon-events-sub-dead-letter", "defimon-events-ml-pipeline-dead-letter") AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"', "COMPARISON_GT", 0, "0s"],
    ["publish-errors", 'resource.type = "pubsub_topic" AND resource.labels.topic_id = "defimon-events" AND metric.type = "pubsub.googleapis.com/topic/send_request_count" AND metric.labels.response_class != "success"', "COMPARISON_GT", 0, "300s"],
    ["disk-full", 'resource.type = "gce_instance" AND resource.labels.instance_id = "4815162342000000001" AND metric.type = "agent.googleapis.com/disk/percent_used" AND metric.labels.state = "used" AND metric.labels.device = monitoring.regex.full_match("/dev/(root|sd[a-z]1?|nvme[0-9]+n[0-9]+(p1)?)")', "COMPARISON_GT", 85, "600s"],
    ["memory-pressure", 'resource.type = "gce_instance" AND resource.labels.instance_id = "4815162342000000001" AND metric.type = "agent.googleapis.com/memory/percent_used" AND metric.labels.state = "used"', "COMPARISON_GT", 90, "600s"],
  ])("%s: filter and threshold", (key, filter, comparison, threshold, duration) => {
    expect(condition(plan, key).conditionThreshold).toMatchObject({ filter, comparison, thresholdValue: threshold, duration });
  });

  it("fires when this host's geth head did not change in 15 minutes, in PromQL (the head block is a gauge)", () => {
    expect(condition(plan, "geth-stalled")).toEqual({
      displayName: "DEFIMON node: geth's head block stopped moving",
      conditionPrometheusQueryLanguage: {
        query: 'changes(chain_head_block{job="geth",namespace="4815162342000000001/defimon-node-vm"}[15m]) == 0',
        duration: "60s",
        evaluationInterval: "60s",
        disableMetricValidation: true,
      },
    });
  });

  it("fires when a running client on this host does not schedule its network's upgrade, creatable before the health endpoint has ever reported", () => {
    expect(condition(plan, "client-misses-upgrade")).toEqual({
      displayName: "DEFIMON node: a client does not schedule the network's upgrade",
      conditionPrometheusQueryLanguage: {
        query: 'defimon_client_schedules_upgrade{job="defimon-health",namespace="4815162342000000001/defimon-node-vm"} == 0',
        duration: "300s",
        evaluationInterval: "60s",
        disableMetricValidation: true,
      },
    });
  });

  it("only counts the root and chain-data file systems as disks", () => {
    const deviceRule = /monitoring\.regex\.full_match\("([^"]+)"\)/.exec(condition(plan, "disk-full").conditionThreshold.filter)![1];
    const matches = (device: string) => new RegExp(`^(?:${deviceRule})$`).test(device);
    expect(["/dev/root", "/dev/sda1", "/dev/sdb", "/dev/nvme0n1p1", "/dev/nvme0n2"].filter(matches)).toHaveLength(5);
    expect(["/dev/loop3", "tmpfs", "overlay", "/dev/sda15", "/dev/sda16"].filter(matches)).toEqual([]);
  });

  it("vm-down fires when the uptime metric goes missing", () => {
    expect(condition(plan, "vm-down").conditionAbsent).toMatchObject({ filter: 'resource.type = "gce_instance" AND resource.labels.instance_id = "4815162342000000001" AND metric.type = "compute.googleapis.com/instance/uptime"', duration: "300s" });
  });

  it("geth-down fires when this host's geth reports no head block, in PromQL that a new project can create (an absence filter on a Prometheus metric answers 404 there)", () => {
    // Scoped to this host: test stacks share dev's project, each with its own geth.
    expect(condition(plan, "geth-down").conditionPrometheusQueryLanguage).toEqual({
      query: 'absent(chain_head_block{job="geth",namespace="4815162342000000001/defimon-node-vm"})',
      duration: "600s",
      evaluationInterval: "60s",
      disableMetricValidation: true,
    });
  });

  it("has a runbook line on every alert and notifies nobody without addresses", () => {
    const alerts = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy");
    expect(alerts).toHaveLength(10);
    for (const alert of alerts) {
      expect((alert.inputs.documentation as any).content).toMatch(/\w+/);
      expect(alert.inputs.notificationChannels).toEqual([]);
    }
    expect(ofType(plan, "gcp:monitoring/notificationChannel:NotificationChannel")).toEqual([]);
  });

  it("takes thresholds from its arguments", async () => {
    const tuned = await declare({ alerts: { ...base.alerts, oldestUnackedAgeSeconds: 120, backlogMessages: 500, diskUsedPercent: 70, headStallMinutes: 30 } });
    expect(condition(tuned, "oldest-unacked").conditionThreshold.thresholdValue).toBe(120);
    expect(condition(tuned, "backlog").conditionThreshold.thresholdValue).toBe(500);
    expect(condition(tuned, "disk-full").conditionThreshold.thresholdValue).toBe(70);
    expect(condition(tuned, "geth-stalled").conditionPrometheusQueryLanguage.query).toContain("[30m]");
  });

  it("e-mails each address from every alert", async () => {
    const paged = await declare({ alerts: { ...base.alerts, emails: ["oncall@example.com", "Lead@Example.com"] } });
    const channels = ofType(paged, "gcp:monitoring/notificationChannel:NotificationChannel");
    expect(channels.map((c) => [c.name, c.inputs.type, (c.inputs.labels as any).email_address])).toEqual([
      ["ops-email-oncall-example-com", "email", "oncall@example.com"],
      ["ops-email-lead-example-com", "email", "Lead@Example.com"],
    ]);
    for (const alert of ofType(paged, "gcp:monitoring/alertPolicy:AlertPolicy")) expect(alert.inputs.notificationChannels).toHaveLength(2);
  });
});

describe("Operability dashboard", () => {
  it("puts the event bus and the node on one page, charting what the alerts watch", async () => {
    const plan = await declare();
    const dashboard = JSON.parse(named(plan, "ops-dashboard").inputs.dashboardJson as string);
    const alerted = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy").flatMap((a: any) => {
      const c = a.inputs.conditions[0];
      return c.conditionPrometheusQueryLanguage ? [] : [(c.conditionThreshold ?? c.conditionAbsent).filter];
    });
    const charted = dashboard.mosaicLayout.tiles.map((tile: any) => tile.widget.xyChart.dataSets[0].timeSeriesQuery.timeSeriesFilter.filter);
    // geth's head block is charted; its alerts are PromQL (they must be creatable before geth has run).
    expect(new Set(charted)).toEqual(new Set([...alerted, charted.find((filter: string) => filter.includes("chain_head_block"))]));
    expect(charted).toHaveLength(Object.keys(metricFilters(base)).length);
    // Zero coordinates are left out: the API drops them, and sending them diffs every preview.
    expect(dashboard.mosaicLayout.tiles.map((t: any) => [t.xPos ?? 0, t.yPos ?? 0])).toEqual([0, 24].flatMap((x) => [0, 4, 8, 12].map((y) => [x, y])));
    for (const tile of dashboard.mosaicLayout.tiles) expect(Object.values(tile)).not.toContain(0);
    expect(dashboardDefinition(Object.fromEntries(Object.keys(metricFilters(base)).map((k) => [k, k])) as any).displayName).toBe("DEFIMON: event bus and Geth host");
  });
});

describe("Operability budget", () => {
  it("is only there when config names a billing account", async () => {
    expect(ofType(await declare(), "gcp:billing/budget:Budget")).toEqual([]);
  });

  it("alerts at 50, 90 and 100 % of the monthly amount, on this project, through the on-call channels", async () => {
    const plan = await declare({
      alerts: { ...base.alerts, emails: ["oncall@example.com"] },
      budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 1200, currency: "EUR", emails: ["oncall@example.com"], projectNumber: "123456789012", projectId: "defimon-prod" },
    });
    expect(named(plan, "ops-budget").inputs).toMatchObject({
      billingAccount: "012345-6789AB-CDEF01",
      budgetFilter: { projects: ["projects/123456789012"], calendarPeriod: "MONTH" },
      amount: { specifiedAmount: { currencyCode: "EUR", units: "1200" } },
      thresholdRules: [
        { thresholdPercent: 0.5, spendBasis: "CURRENT_SPEND" },
        { thresholdPercent: 0.9, spendBasis: "CURRENT_SPEND" },
        { thresholdPercent: 1, spendBasis: "CURRENT_SPEND" },
      ],
      allUpdatesRule: { monitoringNotificationChannels: ["projects/defimon-offline-plan/notificationChannels/ops-email-oncall-example-com"] },
    });
  });

  it("creates the budget through a provider with the project as quota project (user credentials get 403 without)", async () => {
    const plan = await declare({
      alerts: { ...base.alerts, emails: ["a@example.com", "b@example.com"] },
      budget: { billingAccount: "012345-6789AB-CDEF01", monthlyAmount: 100, currency: "USD", emails: ["b@example.com"], projectNumber: "123456789012", projectId: "defimon-prod" },
    });
    expect(named(plan, "ops-billing")).toMatchObject({
      type: "pulumi:providers:gcp",
      inputs: { project: "defimon-prod", billingProject: "defimon-prod", userProjectOverride: "true" },
    });
    // Only the budget's own addresses, of the on-call channels.
    expect((named(plan, "ops-budget").inputs.allUpdatesRule as any).monitoringNotificationChannels).toEqual(["projects/defimon-offline-plan/notificationChannels/ops-email-b-example-com"]);
  });
});
