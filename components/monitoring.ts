import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { AlertsConfig } from "../lib/config";

export interface OperabilityArgs {
  /** Every consumer's subscription, and every dead-letter subscription (IDs, not paths): each is its own time series. */
  subscriptionNames: string[];
  deadLetterSubscriptionNames: string[];
  topicName: pulumi.Input<string>;
  /** The node or nodes to watch. */
  nodes: WatchedNodes;
  /**
   * defimon:alerts: `emails` to notify (none: the policies exist and notify nobody, at most
   * 20), and the thresholds: oldestUnackedAgeSeconds (60 s to 7 d) and backlogMessages
   * (preset), diskUsedPercent and memoryUsedPercent (50-99), headStallMinutes (5-240).
   */
  alerts: AlertsConfig;
  /**
   * A monthly budget on the project, when config names a billing account. `emails` (at
   * most 5: the Budget API's limit on notification channels) must be among `emails` above.
   * `projectId` is the quota project for the Billing Budgets API (see below).
   */
  budget?: { billingAccount: string; monthlyAmount: number; currency: string; emails: string[]; projectNumber: pulumi.Input<string>; projectId: pulumi.Input<string> };
  labels: Record<string, string>;
}

/**
 * One host, by its numeric instance id (what Cloud Monitoring labels metrics with) and its
 * name (with the id, the Ops Agent's `namespace` label, `<instanceId>/<instanceName>`, on
 * Prometheus metrics); or a group's nodes, by the name every one of them starts with
 * (`<baseInstanceName>-xxxx`), and how many there should be.
 */
export type WatchedNodes = { instanceId: pulumi.Input<string>; instanceName: pulumi.Input<string> } | { baseInstanceName: string; replicas: number };

/** Ops Agent namespaces (`<instance id>/<instance name>`) of a group's nodes: the MIG appends 4 characters to the base name. */
const groupNamespace = (base: string) => `[0-9]+/${base}-[a-z0-9]{4}`;

interface ThresholdSpec {
  kind: "threshold";
  title: string;
  filter: pulumi.Input<string>;
  comparison: "COMPARISON_GT" | "COMPARISON_LT";
  threshold: number;
  duration: string;
  aligner: string;
  /** What on-call does first. */
  runbook: string;
}

/** A PromQL condition: fires while `query` returns a series, for `duration`. */
interface PromQlSpec {
  kind: "promql";
  title: string;
  query: pulumi.Input<string>;
  duration: string;
  runbook: string;
}

interface AbsenceSpec {
  kind: "absent";
  title: string;
  filter: pulumi.Input<string>;
  duration: string;
  runbook: string;
}

type AlertSpec = ThresholdSpec | AbsenceSpec | PromQlSpec;

/** Metric filters, by what they watch; the dashboard charts the same ones. */
export function metricFilters(args: Pick<OperabilityArgs, "subscriptionNames" | "deadLetterSubscriptionNames" | "topicName" | "nodes">) {
  const { nodes } = args;
  // one_of(): Cloud Monitoring's filter for a set of label values; one series per subscription.
  const subscription = (names: string[], metric: string) =>
    `resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of(${names.map((name) => JSON.stringify(name)).join(", ")}) AND metric.type = "pubsub.googleapis.com/subscription/${metric}"`;
  // A group: one series per node, each node its own incident.
  const host = (metric: string, extra = "") =>
    "baseInstanceName" in nodes
      ? pulumi.output(`resource.type = "gce_instance" AND metadata.system_labels.name = starts_with("${nodes.baseInstanceName}-") AND metric.type = "${metric}"${extra}`)
      : pulumi.interpolate`resource.type = "gce_instance" AND resource.labels.instance_id = "${nodes.instanceId}" AND metric.type = "${metric}"${extra}`;
  return {
    oldestUnacked: subscription(args.subscriptionNames, "oldest_unacked_message_age"),
    backlog: subscription(args.subscriptionNames, "num_undelivered_messages"),
    deadLetters: subscription(args.deadLetterSubscriptionNames, "num_undelivered_messages"),
    publishErrors: pulumi.interpolate`resource.type = "pubsub_topic" AND resource.labels.topic_id = "${args.topicName}" AND metric.type = "pubsub.googleapis.com/topic/send_request_count" AND metric.labels.response_class != "success"`,
    uptime: host("compute.googleapis.com/instance/uptime"),
    // The root and chain-data file systems only: Ubuntu's snap loop devices are 100 % full
    // by design, tmpfs and overlay mounts are not disks. SCSI (sdX, sdX1), NVMe (nvmeXnY,
    // nvmeXnYp1) and /dev/root, which is how the root file system shows in /proc/mounts.
    diskUsed: host(
      "agent.googleapis.com/disk/percent_used",
      ' AND metric.labels.state = "used" AND metric.labels.device = monitoring.regex.full_match("/dev/(root|sd[a-z]1?|nvme[0-9]+n[0-9]+(p1)?)")',
    ),
    memoryUsed: host("agent.googleapis.com/memory/percent_used", ' AND metric.labels.state = "used"'),
    // This host's geth only: test stacks share dev's project, and each runs a geth.
    gethHead:
      "baseInstanceName" in nodes
        ? pulumi.output(`resource.type = "prometheus_target" AND resource.labels.namespace = monitoring.regex.full_match("${groupNamespace(nodes.baseInstanceName)}") AND resource.labels.job = "geth" AND metric.type = "prometheus.googleapis.com/chain_head_block/gauge"`)
        : pulumi.interpolate`resource.type = "prometheus_target" AND resource.labels.namespace = "${nodes.instanceId}/${nodes.instanceName}" AND resource.labels.job = "geth" AND metric.type = "prometheus.googleapis.com/chain_head_block/gauge"`,
  };
}

/**
 * PromQL for "geth's head block did not change in `minutes`", on this host only. A PromQL
 * condition because the head block is a GAUGE: ALIGN_DELTA, which would count its change,
 * is valid only for DELTA and CUMULATIVE metrics and the API refuses it on a gauge.
 */
export function gethStalledQuery(nodes: WatchedNodes, minutes: number): pulumi.Output<string> {
  return pulumi.interpolate`changes(chain_head_block{job="geth",${nodeSelector(nodes)}}[${minutes}m]) == 0`;
}

/**
 * PromQL for "geth reports no head block": on one host, its series is absent; on a
 * group, fewer nodes report one than there are nodes (`or vector(0)`: none at all counts).
 */
export function gethDownQuery(nodes: WatchedNodes): pulumi.Output<string> {
  return "baseInstanceName" in nodes
    ? pulumi.output(`(count(chain_head_block{job="geth",namespace=~"${groupNamespace(nodes.baseInstanceName)}"}) or vector(0)) < ${nodes.replicas}`)
    : pulumi.interpolate`absent(chain_head_block{job="geth",${nodeSelector(nodes)}})`;
}

/** The PromQL label matcher of the watched nodes (the Ops Agent's namespace label). */
function nodeSelector(nodes: WatchedNodes): pulumi.Output<string> {
  return "baseInstanceName" in nodes ? pulumi.output(`namespace=~"${groupNamespace(nodes.baseInstanceName)}"`) : pulumi.interpolate`namespace="${nodes.instanceId}/${nodes.instanceName}"`;
}

/**
 * PromQL for "a running client does not schedule one of its network's upgrades"
 * (boot/health.py's defimon_client_schedules_upgrade: 0), on the watched nodes. Before the
 * upgrade this is the warning; after it, the node has left the chain.
 */
export function clientMissesUpgradeQuery(nodes: WatchedNodes): pulumi.Output<string> {
  return pulumi.interpolate`defimon_client_schedules_upgrade{job="defimon-health",${nodeSelector(nodes)}} == 0`;
}

/**
 * PromQL for "fewer of the group's nodes follow the chain than it should have": nodes
 * whose head moved in the last 5 minutes (the balancer's own check is stricter: synced
 * and at most defimon:node.maxHeadAgeSeconds old). `or vector(0)`: with no node moving,
 * count() returns nothing, and nothing would never fire.
 */
export function nodesFollowingQuery(baseInstanceName: string, replicas: number): string {
  return `(count(changes(chain_head_block{job="geth",namespace=~"${groupNamespace(baseInstanceName)}"}[5m]) > 0) or vector(0)) < ${replicas}`;
}

/**
 * What on-call needs for the event bus and the node: alert policies with the preset's
 * thresholds, e-mail notification channels, and one dashboard with both on a page.
 */
export class Operability extends pulumi.ComponentResource {
  readonly notificationChannels: gcp.monitoring.NotificationChannel[];
  /** Alert policies by key: oldest-unacked, backlog, dead-letters, publish-errors, vm-down, disk-full, memory-pressure, geth-down, geth-stalled; nodes-following for a group. */
  readonly alerts: Record<string, gcp.monitoring.AlertPolicy>;
  readonly dashboard: gcp.monitoring.Dashboard;
  readonly budget?: gcp.billing.Budget;
  /** The provider the budget is created with: the project as quota project for the Billing Budgets API. */
  readonly budgetProvider?: gcp.Provider;

  constructor(name: string, args: OperabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:monitoring:Operability", name, {}, opts);

    this.notificationChannels = args.alerts.emails.map(
      (email) =>
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
          { type: "email", displayName: `DEFIMON on-call: ${email}`, labels: { email_address: email }, userLabels: args.labels },
          { parent: this },
        ),
    );
    const channelIds = this.notificationChannels.map((channel) => channel.id);
    const filters = metricFilters(args);

    const specs: Record<string, AlertSpec> = {
      "oldest-unacked": {
        kind: "threshold",
        title: "DEFIMON events: oldest unacked message too old",
        filter: filters.oldestUnacked,
        comparison: "COMPARISON_GT",
        threshold: args.alerts.oldestUnackedAgeSeconds,
        duration: "300s",
        aligner: "ALIGN_MAX",
        runbook: "Consumers are not keeping up or are stuck. Check the consumers' logs and their ack rate.",
      },
      backlog: {
        kind: "threshold",
        title: "DEFIMON events: subscription backlog",
        filter: filters.backlog,
        comparison: "COMPARISON_GT",
        threshold: args.alerts.backlogMessages,
        duration: "300s",
        aligner: "ALIGN_MAX",
        runbook: "More messages wait than consumers drain. Scale the consumers or raise EVENT_STREAM settings.",
      },
      "dead-letters": {
        kind: "threshold",
        title: "DEFIMON events: messages were dead-lettered",
        filter: filters.deadLetters,
        comparison: "COMPARISON_GT",
        threshold: 0,
        duration: "0s",
        aligner: "ALIGN_MAX",
        runbook: "A message failed every delivery attempt. Read it from the dead-letter subscription; fix, then replay.",
      },
      "publish-errors": {
        kind: "threshold",
        title: "DEFIMON events: publish requests fail",
        filter: filters.publishErrors,
        comparison: "COMPARISON_GT",
        threshold: 0,
        duration: "300s",
        aligner: "ALIGN_RATE",
        runbook: "Publishers get errors: check IAM (publisher role), the KMS key's state and Pub/Sub's status page.",
      },
      "vm-down": {
        kind: "absent",
        title: "DEFIMON node: the Geth host reports no uptime",
        filter: filters.uptime,
        duration: "300s",
        runbook: "The VM is stopped or unreachable. Check it in the console; its serial log shows the startup script.",
      },
      "disk-full": {
        kind: "threshold",
        title: "DEFIMON node: a disk is filling up",
        filter: filters.diskUsed,
        comparison: "COMPARISON_GT",
        threshold: args.alerts.diskUsedPercent,
        duration: "600s",
        aligner: "ALIGN_MAX",
        runbook: "Grow the chain data disk: raise defimon:node.dataDiskSizeGb and pulumi up (README: resizing).",
      },
      "memory-pressure": {
        kind: "threshold",
        title: "DEFIMON node: memory pressure",
        filter: filters.memoryUsed,
        comparison: "COMPARISON_GT",
        threshold: args.alerts.memoryUsedPercent,
        duration: "600s",
        aligner: "ALIGN_MEAN",
        runbook: "Lower defimon:node.gethCache or move to a larger machine type.",
      },
      // PromQL (validation off, below): geth's metrics exist in Cloud Monitoring only once
      // the Ops Agent has scraped a running geth, and a filter on one answers 404 until then.
      "geth-down": {
        kind: "promql",
        title: "DEFIMON node: geth reports no head block",
        query: gethDownQuery(args.nodes),
        duration: "600s",
        runbook: "geth is down or its metrics are: docker compose ps and logs geth on the host.",
      },
      "geth-stalled": {
        kind: "promql",
        title: "DEFIMON node: geth's head block stopped moving",
        query: gethStalledQuery(args.nodes, args.alerts.headStallMinutes),
        duration: "60s",
        runbook: "geth follows the chain no more: check Lighthouse (the Engine API, the JWT), peers, and disk space.",
      },
      "client-misses-upgrade": {
        kind: "promql",
        title: "DEFIMON node: a client does not schedule the network's upgrade",
        query: clientMissesUpgradeQuery(args.nodes),
        duration: "300s",
        runbook:
          "The running geth or Lighthouse does not schedule an upgrade of its network (the health endpoint's /health lists which, from eth_config and /eth/v1/config/spec). Before the activation: pin a release that schedules it (README, Following the chain through upgrades) and roll the node. After it: the node has left the chain; the same.",
      },
      ...("baseInstanceName" in args.nodes
        ? {
            "nodes-following": {
              kind: "promql" as const,
              title: `DEFIMON nodes: fewer than ${args.nodes.replicas} follow the chain`,
              query: nodesFollowingQuery(args.nodes.baseInstanceName, args.nodes.replicas),
              duration: "300s",
                    runbook:
                "A node is down, syncing or stuck, and the balancer serves from fewer. gcloud compute instance-groups managed list-instances (health, current action); gcloud compute backend-services get-health; the node's geth and Lighthouse logs. Autohealing recreates a node whose chain stood still for defimon:node.stalledAfterSeconds.",
            },
          }
        : {}),
    };

    this.alerts = Object.fromEntries(
      Object.entries(specs).map(([key, spec]) => {
        const aggregations = [{ alignmentPeriod: "60s", perSeriesAligner: spec.kind === "threshold" ? spec.aligner : "ALIGN_MEAN" }];
        const condition =
          spec.kind === "threshold"
            ? { conditionThreshold: { filter: spec.filter, comparison: spec.comparison, thresholdValue: spec.threshold, duration: spec.duration, aggregations } }
            : spec.kind === "absent"
              ? { conditionAbsent: { filter: spec.filter, duration: spec.duration, aggregations } }
              : // Every PromQL condition here reads metrics that exist only once a node has run
                // (geth's, the health endpoint's): Monitoring refuses one on a metric it has not
                // seen unless validation is off ("PromQL in alerting policies", limitations).
                { conditionPrometheusQueryLanguage: { query: spec.query, duration: spec.duration, evaluationInterval: "60s", disableMetricValidation: true } };
        return [
          key,
          new gcp.monitoring.AlertPolicy(
            `${name}-${key}`,
            {
              displayName: spec.title,
              combiner: "OR",
              conditions: [{ displayName: spec.title, ...condition }],
              notificationChannels: channelIds,
              documentation: { content: spec.runbook, mimeType: "text/markdown" },
              userLabels: args.labels,
            },
            { parent: this },
          ),
        ];
      }),
    );

    this.dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      { dashboardJson: pulumi.all(filters).apply((resolved) => JSON.stringify(dashboardDefinition(resolved))) },
      { parent: this },
    );

    if (args.budget) {
      const budgetEmails = new Set(args.budget.emails.map((email) => email.toLowerCase()));
      const budgetChannels = this.notificationChannels.filter((_, index) => budgetEmails.has(args.alerts.emails[index].toLowerCase()));
      // With user credentials (gcloud auth application-default login) the Billing Budgets
      // API needs a quota project: without billingProject and userProjectOverride it
      // answers 403. A provider of its own keeps the override off every other resource.
      this.budgetProvider = new gcp.Provider(
        `${name}-billing`,
        { project: args.budget.projectId, billingProject: args.budget.projectId, userProjectOverride: true },
        { parent: this },
      );
      this.budget = new gcp.billing.Budget(
        `${name}-budget`,
        {
          billingAccount: args.budget.billingAccount,
          displayName: "DEFIMON monthly budget",
          budgetFilter: { projects: [pulumi.interpolate`projects/${args.budget.projectNumber}`], calendarPeriod: "MONTH" },
          amount: { specifiedAmount: { currencyCode: args.budget.currency, units: String(args.budget.monthlyAmount) } },
          thresholdRules: [0.5, 0.9, 1.0].map((thresholdPercent) => ({ thresholdPercent, spendBasis: "CURRENT_SPEND" })),
          // At most 5 channels (the API's limit); billing admins get Google's default e-mails as well.
          allUpdatesRule: { monitoringNotificationChannels: budgetChannels.map((channel) => channel.id) },
        },
        { parent: this, provider: this.budgetProvider },
      );
    }

    this.registerOutputs({});
  }
}

/**
 * A tile at (x, y). The API leaves zero-valued fields out of what it returns, so a tile
 * that sends `xPos: 0` shows a diff on every preview (hashicorp/terraform-provider-google
 * #16173, open): zero coordinates are left out here, which means the same to the API.
 */
function tile(xPos: number, yPos: number, widget: object) {
  return { ...(xPos ? { xPos } : {}), ...(yPos ? { yPos } : {}), width: 24, height: 4, widget };
}

/** The dashboard: the event bus on the left, the node on the right, one chart per signal. */
export function dashboardDefinition(filters: Record<keyof ReturnType<typeof metricFilters>, string>) {
  const chart = (title: string, filter: string, aligner: string) => ({
    title,
    xyChart: {
      dataSets: [{ timeSeriesQuery: { timeSeriesFilter: { filter, aggregation: { alignmentPeriod: "60s", perSeriesAligner: aligner } } }, plotType: "LINE" }],
    },
  });
  const left = [
    chart("Oldest unacked message age (s)", filters.oldestUnacked, "ALIGN_MAX"),
    chart("Undelivered messages", filters.backlog, "ALIGN_MAX"),
    chart("Dead-lettered messages waiting", filters.deadLetters, "ALIGN_MAX"),
    chart("Failed publish requests (/s)", filters.publishErrors, "ALIGN_RATE"),
  ];
  const right = [
    chart("geth head block", filters.gethHead, "ALIGN_MAX"),
    chart("Disk used (%)", filters.diskUsed, "ALIGN_MAX"),
    chart("Memory used (%)", filters.memoryUsed, "ALIGN_MEAN"),
    chart("Uptime (s)", filters.uptime, "ALIGN_MAX"),
  ];
  const tiles = [...left.map((widget, row) => tile(0, row * 4, widget)), ...right.map((widget, row) => tile(24, row * 4, widget))];
  return { displayName: "DEFIMON: event bus and Geth host", mosaicLayout: { columns: 48, tiles } };
}
