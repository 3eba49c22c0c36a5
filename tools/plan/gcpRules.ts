/**
 * What Google Cloud refuses, for every resource type this stack declares: the offline
 * plan's mocks run these checks on each registered resource, so a plan passes only what
 * the real APIs would accept. Each rule names its source; each has a test that shows it
 * refusing a bad case (test/tools/plan/gcpRules.test.ts).
 *
 * Sources read 2026-11-25 unless a rule says otherwise.
 */
import { DiskType, diskLimits, diskTypes, familyDiskTypes, isOfferedRegion, machineTypeIn, zonesOf } from "../../lib/gce";
import { regionOfZone } from "../../lib/naming";

type State = Record<string, any>;

// ---------------------------------------------------------------------------
// Names, labels, metadata.

/** RFC 1035 names of Compute Engine resources (https://cloud.google.com/compute/docs/naming-resources). */
const computeName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Labels (https://cloud.google.com/compute/docs/labeling-resources#requirements): at most 64; keys 1-63, values 0-63 of [a-z0-9_-], keys start with a letter. */
export function labelProblems(labels: unknown, field = "labels"): string[] {
  if (labels === undefined || labels === null) return [];
  const entries = Object.entries(labels as Record<string, unknown>);
  const problems = entries.length > 64 ? [`${field} has ${entries.length} labels; at most 64`] : [];
  for (const [key, value] of entries) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(key)) problems.push(`${field} key ${JSON.stringify(key)}: 1 to 63 of [a-z0-9_-], starting with a letter`);
    if (typeof value !== "string" || !/^[a-z0-9_-]{0,63}$/.test(value)) problems.push(`${field}.${key} = ${JSON.stringify(value)}: 0 to 63 of [a-z0-9_-]`);
  }
  return problems;
}

/**
 * Instance metadata (https://cloud.google.com/compute/docs/metadata/setting-custom-metadata#limitations):
 * keys of [a-zA-Z0-9-_] up to 128 bytes, a value up to 256 KB, all entries together up to 512 KB.
 */
export function metadataProblems(metadata: Record<string, unknown> | undefined): string[] {
  if (!metadata) return [];
  const problems: string[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(metadata)) {
    const size = Buffer.byteLength(key) + Buffer.byteLength(String(value));
    total += size;
    if (!/^[a-zA-Z0-9_-]{1,128}$/.test(key)) problems.push(`metadata key ${JSON.stringify(key)}: 1 to 128 of [a-zA-Z0-9-_]`);
    if (Buffer.byteLength(String(value)) > 256 * 1024) problems.push(`metadata ${key} is ${Buffer.byteLength(String(value))} bytes; a value holds at most 262144`);
  }
  if (total > 512 * 1024) problems.push(`metadata totals ${total} bytes; at most 524288`);
  return problems;
}

function nameProblems(inputs: State, field = "name"): string[] {
  const name = inputs[field];
  return name === undefined || computeName.test(name) ? [] : [`${field} ${JSON.stringify(name)}: 1 to 63 of [a-z0-9-], a letter first, not ending with - (RFC 1035)`];
}

// ---------------------------------------------------------------------------
// Compute Engine: zones, machine types, disks (data/gce-catalog.json, lib/gce.ts).

function zoneProblems(zone: unknown): string[] {
  if (typeof zone !== "string") return ["zone is not set"];
  const region = regionOfZone(zone);
  if (!isOfferedRegion(region)) return [`zone ${zone}: region ${region} does not exist (data/gce-catalog.json)`];
  return zonesOf(region).includes(zone) ? [] : [`zone ${zone} does not exist; ${region} has ${zonesOf(region).join(", ")}`];
}

function diskProblems(type: unknown, sizeGb: unknown, iops: unknown, throughput: unknown, what: string): string[] {
  if (!(diskTypes as readonly unknown[]).includes(type)) return [`${what} type ${JSON.stringify(type)} is not one of ${diskTypes.join(", ")}`];
  const limits = diskLimits[type as DiskType];
  const problems: string[] = [];
  if (sizeGb !== undefined && (Number(sizeGb) < limits.minGb || Number(sizeGb) > limits.maxGb)) problems.push(`${what} size ${sizeGb} GB: ${type} takes ${limits.minGb} to ${limits.maxGb}`);
  for (const [field, value, range] of [["provisionedIops", iops, limits.iops], ["provisionedThroughput", throughput, limits.throughputMibps]] as const) {
    if (value === undefined || value === null) continue;
    if (!range) problems.push(`${what} ${field} is set, but ${type} takes no provisioned performance`);
    else if (Number(value) < range[0] || Number(value) > range[1]) problems.push(`${what} ${field} ${value}: ${type} takes ${range[0]} to ${range[1]}`);
  }
  return problems;
}

export function diskResourceProblems(inputs: State): string[] {
  return [
    ...nameProblems(inputs),
    ...zoneProblems(inputs.zone),
    ...diskProblems(inputs.type ?? "pd-standard", inputs.size, inputs.provisionedIops, inputs.provisionedThroughput, "disk"),
    ...labelProblems(inputs.labels),
  ];
}

/** `attachedDiskTypes`: the types of the disks the instance attaches, as planned. */
export function instanceProblems(inputs: State, attachedDiskTypes: string[]): string[] {
  const problems = [...nameProblems(inputs), ...zoneProblems(inputs.zone), ...labelProblems(inputs.labels), ...metadataProblems(inputs.metadata)];
  if (problems.some((p) => p.startsWith("zone"))) return problems;
  const machine = machineOf(regionOfZone(inputs.zone), inputs.machineType);
  if (typeof machine === "string") return [...problems, machine];
  const boot = inputs.bootDisk?.initializeParams ?? {};
  problems.push(...attachProblems(machine, "boot disk", { type: boot.type, size: boot.size, iops: boot.provisionedIops, throughput: boot.provisionedThroughput }));
  for (const type of attachedDiskTypes) problems.push(...attachProblems(machine, "attached disk", { type }));
  return problems;
}

/** The machine type's family in `region` and the disk types it attaches, or why there is none. */
function machineOf(region: string, machineType: unknown): { family: string; allowed: readonly string[] } | string {
  const shape = machineTypeIn(region, String(machineType));
  if (typeof shape === "string") return `machineType ${machineType}: ${shape}`;
  return { family: shape.family, allowed: familyDiskTypes[shape.family] as readonly string[] };
}

/** A disk on a machine: a type its family attaches, and a size and performance the type takes (no type given: pd-standard). */
function attachProblems(machine: { family: string; allowed: readonly string[] }, what: string, disk: { type?: string; size?: unknown; iops?: unknown; throughput?: unknown }): string[] {
  const type = disk.type ?? "pd-standard";
  return [
    ...(machine.allowed.includes(type) ? [] : [`${what} ${type}: ${machine.family} machines attach only ${machine.allowed.join(", ")}`]),
    ...diskProblems(type, disk.size, disk.iops, disk.throughput, what).filter((p) => !p.includes("is not one of")),
  ];
}

// ---------------------------------------------------------------------------
// Cloud Monitoring: metric kinds and aligners.

type MetricKind = "GAUGE" | "DELTA" | "CUMULATIVE";
type ValueType = "INT64" | "DOUBLE" | "BOOL" | "DISTRIBUTION";

/**
 * Kind and value type of every metric the alerts and dashboard read, from Google's
 * metric lists: https://cloud.google.com/monitoring/api/metrics_gcp (pubsub, compute),
 * https://cloud.google.com/monitoring/api/metrics_agent (agent), and Managed Service for
 * Prometheus' naming (https://cloud.google.com/stackdriver/docs/managed-prometheus/promql):
 * a Prometheus gauge `x` is `prometheus.googleapis.com/x/gauge`, GAUGE DOUBLE.
 */
export const metricKinds: Record<string, { kind: MetricKind; valueType: ValueType }> = {
  "pubsub.googleapis.com/subscription/oldest_unacked_message_age": { kind: "GAUGE", valueType: "INT64" },
  "pubsub.googleapis.com/subscription/num_undelivered_messages": { kind: "GAUGE", valueType: "INT64" },
  "pubsub.googleapis.com/topic/send_request_count": { kind: "DELTA", valueType: "INT64" },
  "compute.googleapis.com/instance/uptime": { kind: "DELTA", valueType: "DOUBLE" },
  "agent.googleapis.com/disk/percent_used": { kind: "GAUGE", valueType: "DOUBLE" },
  "agent.googleapis.com/memory/percent_used": { kind: "GAUGE", valueType: "DOUBLE" },
  "prometheus.googleapis.com/chain_head_block/gauge": { kind: "GAUGE", valueType: "DOUBLE" },
};

const numeric: ValueType[] = ["INT64", "DOUBLE"];
/**
 * Which metrics each aligner accepts, from the Monitoring API reference, Aggregation.Aligner
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#aligner).
 */
export const alignerRules: Record<string, { kinds: MetricKind[]; valueTypes: ValueType[] }> = {
  ALIGN_DELTA: { kinds: ["CUMULATIVE", "DELTA"], valueTypes: [...numeric, "DISTRIBUTION"] },
  ALIGN_RATE: { kinds: ["CUMULATIVE", "DELTA"], valueTypes: numeric },
  ALIGN_INTERPOLATE: { kinds: ["GAUGE"], valueTypes: numeric },
  ALIGN_NEXT_OLDER: { kinds: ["GAUGE"], valueTypes: [...numeric, "BOOL", "DISTRIBUTION"] },
  ALIGN_MIN: { kinds: ["GAUGE", "DELTA"], valueTypes: numeric },
  ALIGN_MAX: { kinds: ["GAUGE", "DELTA"], valueTypes: numeric },
  ALIGN_MEAN: { kinds: ["GAUGE", "DELTA"], valueTypes: [...numeric, "DISTRIBUTION"] },
  ALIGN_SUM: { kinds: ["GAUGE", "DELTA"], valueTypes: [...numeric, "DISTRIBUTION"] },
  ALIGN_COUNT: { kinds: ["GAUGE", "DELTA"], valueTypes: [...numeric, "BOOL"] },
  ALIGN_STDDEV: { kinds: ["GAUGE", "DELTA"], valueTypes: [...numeric, "DISTRIBUTION"] },
};

/** A filter's metric type, checked against the catalog above, and the aligner applied to it. */
// ---------------------------------------------------------------------------
// Managed instance groups and the internal passthrough load balancer.

/**
 * An instance template, checked against the region its group runs in: the machine type
 * exists there, the boot and data disk types are ones the family attaches and their sizes
 * and performance are in range (as for a VM), labels and metadata as for a VM.
 */
export function instanceTemplateProblems(inputs: State, region: string): string[] {
  const problems = [...labelProblems(inputs.labels), ...metadataProblems(inputs.metadata), ...nameProblems(inputs)];
  const machine = machineOf(region, inputs.machineType);
  if (typeof machine === "string") return [...problems, machine];
  for (const [index, disk] of ((inputs.disks ?? []) as State[]).entries()) {
    const what = disk.boot ? "boot disk" : `disk ${disk.deviceName ?? index}`;
    problems.push(...attachProblems(machine, what, { type: disk.diskType, size: disk.diskSizeGb, iops: disk.provisionedIops, throughput: disk.provisionedThroughput }));
    problems.push(...labelProblems(disk.labels, `${what} labels`));
  }
  if (!((inputs.disks ?? []) as State[]).some((disk) => disk.boot)) problems.push("no boot disk");
  return problems;
}

/**
 * A regional managed instance group, as the Compute Engine API and provider refuse it:
 * - baseInstanceName: 1 to 58 characters of RFC 1035 (the group adds "-xxxx"; API reference, regionInstanceGroupManagers);
 * - distributionPolicyZones: zones of the group's region (same);
 * - updatePolicy maxSurgeFixed and maxUnavailableFixed: each 0 or at least the number of
 *   zones, not both 0; percentages only for groups of 10 or more (provider docs,
 *   google_compute_region_instance_group_manager, update_policy);
 * - with stateful disks: maxSurge 0 and replacementMethod RECREATE (a disk attaches to
 *   one VM in READ_WRITE; "Configuring stateful persistent disks in MIGs", updates), and
 *   no proactive redistribution across zones ("Stateful MIGs": regional groups need
 *   instanceRedistributionType NONE);
 * - autoHealingPolicies.initialDelaySec 0 to 3600 (API reference).
 */
export function regionGroupProblems(inputs: State): string[] {
  const problems: string[] = [];
  if (!/^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/.test(String(inputs.baseInstanceName))) problems.push(`baseInstanceName ${JSON.stringify(inputs.baseInstanceName)}: 1 to 58 of [a-z0-9-], a letter first`);
  const region = String(inputs.region);
  const zones: string[] = inputs.distributionPolicyZones ?? zonesOf(region);
  for (const zone of zones) if (!zonesOf(region).includes(zone)) problems.push(`distributionPolicyZones: ${zone} is not a zone of ${region} (${zonesOf(region).join(", ")})`);
  const policy = (inputs.updatePolicy ?? {}) as State;
  const size = Number(inputs.targetSize ?? 0);
  for (const field of ["maxSurgeFixed", "maxUnavailableFixed"] as const) {
    const value = policy[field];
    if (value !== undefined && value !== 0 && value < zones.length) problems.push(`updatePolicy.${field} ${value}: 0 or at least the number of zones (${zones.length})`);
  }
  if (policy.maxSurgeFixed === 0 && policy.maxUnavailableFixed === 0) problems.push("updatePolicy: maxSurgeFixed and maxUnavailableFixed cannot both be 0");
  for (const field of ["maxSurgePercent", "maxUnavailablePercent"] as const) {
    if (policy[field] !== undefined && size < 10) problems.push(`updatePolicy.${field}: percentages need a group of 10 or more (targetSize ${size})`);
  }
  if ((inputs.statefulDisks ?? []).length) {
    if ((policy.maxSurgeFixed ?? zones.length) !== 0 || policy.maxSurgePercent) problems.push("stateful disks: updatePolicy.maxSurgeFixed must be 0 (a disk attaches to one VM)");
    if (policy.replacementMethod !== "RECREATE") problems.push(`stateful disks: updatePolicy.replacementMethod must be RECREATE, not ${policy.replacementMethod ?? "SUBSTITUTE (the default)"}`);
    if (policy.instanceRedistributionType !== "NONE") problems.push(`stateful disks: updatePolicy.instanceRedistributionType must be NONE in a regional group, not ${policy.instanceRedistributionType ?? "PROACTIVE (the default)"}`);
  }
  const delay = inputs.autoHealingPolicies?.initialDelaySec;
  if (delay !== undefined && (delay < 0 || delay > 3600)) problems.push(`autoHealingPolicies.initialDelaySec ${delay}: 0 to 3600`);
  return problems;
}

/** Health checks (API reference, healthChecks): interval 1-300 s, timeout at most the interval, thresholds 1-10, a port 1-65535. */
export function healthCheckProblems(inputs: State): string[] {
  const problems = nameProblems(inputs);
  const interval = inputs.checkIntervalSec ?? 5;
  const timeout = inputs.timeoutSec ?? 5;
  if (interval < 1 || interval > 300) problems.push(`checkIntervalSec ${interval}: 1 to 300`);
  if (timeout > interval) problems.push(`timeoutSec ${timeout} is longer than checkIntervalSec ${interval}`);
  for (const field of ["healthyThreshold", "unhealthyThreshold"]) if (inputs[field] !== undefined && (inputs[field] < 1 || inputs[field] > 10)) problems.push(`${field} ${inputs[field]}: 1 to 10`);
  const probe = inputs.httpHealthCheck ?? inputs.httpsHealthCheck ?? inputs.tcpHealthCheck ?? inputs.http2HealthCheck ?? inputs.grpcHealthCheck ?? inputs.sslHealthCheck;
  if (!probe) problems.push("no probe (httpHealthCheck, tcpHealthCheck, ...)");
  else if (probe.port !== undefined && (probe.port < 1 || probe.port > 65535)) problems.push(`port ${probe.port}: 1 to 65535`);
  return problems;
}

/**
 * The internal passthrough load balancer ("Internal passthrough Network Load Balancer
 * overview", forwarding rules; API reference, regionBackendServices): a backend service
 * of scheme INTERNAL takes protocol TCP, UDP or UNSPECIFIED, one health check, and
 * CONNECTION balancing; its forwarding rule takes at most 5 ports (or all ports), and
 * names its backend service.
 */
export function internalLoadBalancerProblems(type: string, inputs: State): string[] {
  if (inputs.loadBalancingScheme !== "INTERNAL") return [];
  const problems: string[] = [...nameProblems(inputs), ...labelProblems(inputs.labels)];
  if (type === "gcp:compute/regionBackendService:RegionBackendService") {
    if (!["TCP", "UDP", "UNSPECIFIED"].includes(inputs.protocol ?? "TCP")) problems.push(`protocol ${inputs.protocol}: TCP, UDP or UNSPECIFIED for an internal passthrough balancer`);
    const checks = [inputs.healthChecks].flat().filter(Boolean);
    if (checks.length !== 1) problems.push(`healthChecks: exactly one, have ${checks.length}`);
    for (const backend of (inputs.backends ?? []) as State[]) if ((backend.balancingMode ?? "CONNECTION") !== "CONNECTION") problems.push(`backend balancingMode ${backend.balancingMode}: CONNECTION for an internal passthrough balancer`);
  } else {
    const ports: string[] = inputs.ports ?? [];
    if (inputs.allPorts && ports.length) problems.push("ports and allPorts exclude each other");
    if (ports.length > 5) problems.push(`ports: at most 5, have ${ports.length} (${ports.join(", ")})`);
    if (!inputs.backendService) problems.push("backendService is not set");
  }
  return problems;
}

export function seriesProblems(filter: unknown, aligner: unknown, where: string): string[] {
  const metric = /metric\.type\s*=\s*"([^"]+)"/.exec(String(filter))?.[1];
  if (!metric) return [`${where}: the filter names no metric.type`];
  const known = metricKinds[metric];
  if (!known) return [`${where}: metric ${metric} is not in the offline plan's metric catalog (tools/plan/gcpRules.ts); add it with its kind from Google's metric list`];
  if (aligner === undefined || aligner === "ALIGN_NONE") return [];
  const rule = alignerRules[String(aligner)];
  if (!rule) return [`${where}: aligner ${aligner} is not one the offline plan knows`];
  if (!rule.kinds.includes(known.kind) || !rule.valueTypes.includes(known.valueType)) {
    return [`${where}: ${aligner} is valid for ${rule.kinds.join("/")} metrics, and ${metric} is ${known.kind} ${known.valueType} (the API answers 400)`];
  }
  return [];
}

/**
 * Metrics whose descriptors exist only once something has written them: Prometheus
 * metrics (the Ops Agent's or Managed Prometheus'), custom, workload, external and
 * log-based ones. Monitoring refuses an alert condition on one it has not seen: a filter
 * answers 404 "Cannot find metric(s)" (hashicorp/terraform-provider-google#11102), a PromQL
 * query is refused unless `disableMetricValidation` is set (Cloud Monitoring docs, "PromQL
 * in alerting policies", limitations; the provider's `disable_metric_validation`).
 */
const writtenMetric = /^(prometheus|custom|workload|external)\.googleapis\.com\/|^logging\.googleapis\.com\/user\//;
/** PromQL words that are not metric names. */
const promqlWords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/**
 * The metric names a PromQL query reads: identifiers not followed by `(` (a function), not
 * inside `{...}` or quotes, not after a grouping keyword. Google's own metrics are written
 * with a domain (`compute_googleapis_com:instance_uptime`): a name without `:` is a
 * Prometheus metric, which exists only once written.
 */
export function promqlMetrics(query: string): string[] {
  const text = query.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, "{}").replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = [...text.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)].map((match) => match[1]);
  return [...new Set(names.filter((name) => !promqlWords.has(name.toLowerCase()) && !/^\d/.test(name)))];
}

/** PromQL functions meant for counters: on a gauge they compute nonsense, and Google warns of it. */
const counterFunctions = /\b(rate|irate|increase)\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/g;

/**
 * Alert policies (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies):
 * 1 to 6 conditions, at most 16 notification channels, documentation up to 10240 bytes,
 * user labels as labels; durations whole seconds; a PromQL condition's evaluationInterval
 * a positive multiple of 30 s.
 */
export function alertPolicyProblems(inputs: State): string[] {
  const problems = [...labelProblems(inputs.userLabels, "userLabels")];
  const conditions: State[] = inputs.conditions ?? [];
  if (conditions.length < 1 || conditions.length > 6) problems.push(`has ${conditions.length} conditions; 1 to 6`);
  if ((inputs.notificationChannels ?? []).length > 16) problems.push(`notifies ${(inputs.notificationChannels ?? []).length} channels; at most 16`);
  if (Buffer.byteLength(inputs.documentation?.content ?? "") > 10240) problems.push("documentation is over 10240 bytes");
  conditions.forEach((condition, index) => {
    const where = `condition ${index}`;
    const series = condition.conditionThreshold ?? condition.conditionAbsent;
    if (series) {
      const metric = /metric\.type\s*=\s*"([^"]+)"/.exec(String(series.filter))?.[1];
      if (metric && writtenMetric.test(metric)) {
        problems.push(`${where}: a filter on ${metric}, which exists only once written: on a project where nothing wrote it yet Monitoring answers 404 "Cannot find metric(s)"; use a PromQL condition with disableMetricValidation`);
      }
      if (!/^[0-9]+s$/.test(String(series.duration))) problems.push(`${where}: duration ${series.duration} is not whole seconds`);
      const aggregations: State[] = series.aggregations ?? [];
      if (!aggregations.length) problems.push(...seriesProblems(series.filter, undefined, where));
      for (const aggregation of aggregations) problems.push(...seriesProblems(series.filter, aggregation.perSeriesAligner, where));
    }
    const promql = condition.conditionPrometheusQueryLanguage;
    if (promql) {
      if (!String(promql.query ?? "").trim()) problems.push(`${where}: an empty PromQL query`);
      const interval = /^([0-9]+)s$/.exec(String(promql.evaluationInterval ?? "30s"));
      if (!interval || Number(interval[1]) === 0 || Number(interval[1]) % 30 !== 0) problems.push(`${where}: evaluationInterval ${promql.evaluationInterval} is not a positive multiple of 30s`);
      const unwritten = promqlMetrics(String(promql.query ?? "")).filter((name) => !name.includes(":"));
      if (unwritten.length && promql.disableMetricValidation !== true) {
        problems.push(`${where}: PromQL on ${unwritten.join(", ")}, which Monitoring refuses until the metric has been written, unless disableMetricValidation is true`);
      }
      for (const [, fn, name] of String(promql.query).matchAll(counterFunctions)) {
        if (metricKinds[`prometheus.googleapis.com/${name}/gauge`]) problems.push(`${where}: ${fn}() over the gauge ${name}; ${fn} is for counters`);
      }
    }
    if (!series && !promql && !condition.conditionMatchedLog && !condition.conditionMonitoringQueryLanguage) problems.push(`${where}: no condition`);
  });
  return problems;
}

/**
 * Dashboards: the JSON must parse and chart only known metrics with valid aligners; tiles
 * must not carry zero-valued fields, which the API drops from what it returns so that
 * every preview shows a diff (hashicorp/terraform-provider-google#16173, open).
 */
export function dashboardProblems(dashboardJson: unknown): string[] {
  let dashboard: State;
  try {
    dashboard = JSON.parse(String(dashboardJson));
  } catch {
    return ["dashboardJson is not JSON"];
  }
  const problems: string[] = [];
  (dashboard.mosaicLayout?.tiles ?? []).forEach((tile: State, index: number) => {
    for (const field of ["xPos", "yPos", "width", "height"]) {
      if (tile[field] === 0) problems.push(`tile ${index}: ${field} is 0, which the API drops: a diff on every preview`);
    }
    for (const dataSet of tile.widget?.xyChart?.dataSets ?? []) {
      const query = dataSet.timeSeriesQuery?.timeSeriesFilter;
      if (query) problems.push(...seriesProblems(query.filter, query.aggregation?.perSeriesAligner, `tile ${index}`));
    }
  });
  return problems;
}

/**
 * Budgets (https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets):
 * at most 5 notification channels. With user credentials the API needs a quota project:
 * the provider must set billingProject and userProjectOverride, or it answers 403
 * (https://cloud.google.com/docs/authentication/troubleshoot-adc#user-creds-client-based).
 */
export function budgetProblems(inputs: State, provider: State | undefined): string[] {
  const problems: string[] = [];
  const channels = inputs.allUpdatesRule?.monitoringNotificationChannels ?? [];
  if (channels.length > 5) problems.push(`allUpdatesRule notifies ${channels.length} channels; at most 5`);
  if (!provider?.billingProject || String(provider?.userProjectOverride) !== "true") {
    problems.push("its provider sets no billingProject with userProjectOverride: the Billing Budgets API answers 403 to user credentials");
  }
  return problems;
}

// ---------------------------------------------------------------------------
// IAM, Secret Manager, Pub/Sub, KMS names.

export function namingProblems(type: string, inputs: State): string[] {
  switch (type) {
    case "gcp:serviceaccount/account:Account":
      return [
        ...(/^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/.test(String(inputs.accountId)) ? [] : [`accountId ${JSON.stringify(inputs.accountId)}: 6 to 30 of [a-z0-9-], a letter first (IAM)`]),
        ...(String(inputs.displayName ?? "").length > 100 ? ["displayName is over 100 characters"] : []),
      ];
    case "gcp:secretmanager/secret:Secret":
      return [...(/^[a-zA-Z0-9_-]{1,255}$/.test(String(inputs.secretId)) ? [] : [`secretId ${JSON.stringify(inputs.secretId)}: 1 to 255 of [a-zA-Z0-9_-]`]), ...labelProblems(inputs.labels)];
    case "gcp:pubsub/topic:Topic":
    case "gcp:pubsub/subscription:Subscription":
    case "gcp:pubsub/schema:Schema":
      // https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names
      return [
        ...(/^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/.test(String(inputs.name)) ? [] : [`name ${JSON.stringify(inputs.name)}: 3 to 255 characters, a letter first, not goog...`]),
        ...labelProblems(inputs.labels),
        ...pubsubProblems(type, inputs),
      ];
    case "gcp:bigquery/dataset:Dataset":
      // https://cloud.google.com/bigquery/docs/datasets#dataset-naming: letters, digits, underscores, at most 1,024.
      return [...(/^[A-Za-z0-9_]{1,1024}$/.test(String(inputs.datasetId)) ? [] : [`datasetId ${JSON.stringify(inputs.datasetId)}: 1 to 1024 of letters, digits and _`]), ...labelProblems(inputs.labels)];
    case "gcp:bigquery/table:Table":
      return [...bigQueryTableProblems(inputs), ...labelProblems(inputs.labels)];
    case "gcp:storage/bucket:Bucket":
      // https://cloud.google.com/storage/docs/buckets#naming: 3-63 of [a-z0-9-_.], a letter or digit at each end, not "goog..." nor containing "google".
      return [...(/^(?!goog)(?!.*google)[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(String(inputs.name)) ? [] : [`name ${JSON.stringify(inputs.name)}: 3 to 63 of [a-z0-9-_.], a letter or digit first and last, no goog prefix, no "google"`]), ...labelProblems(inputs.labels)];
    case "gcp:kms/keyRing:KeyRing":
    case "gcp:kms/cryptoKey:CryptoKey":
      return [...(/^[A-Za-z0-9_-]{1,63}$/.test(String(inputs.name)) ? [] : [`name ${JSON.stringify(inputs.name)}: 1 to 63 of [A-Za-z0-9_-]`]), ...labelProblems(inputs.labels)];
    case "gcp:compute/network:Network":
    case "gcp:compute/subnetwork:Subnetwork":
    case "gcp:compute/firewall:Firewall":
    case "gcp:compute/address:Address":
    case "gcp:compute/resourcePolicy:ResourcePolicy":
      return [...nameProblems(inputs), ...labelProblems(inputs.labels)];
    case "gcp:compute/image:Image": {
      // https://cloud.google.com/compute/docs/reference/rest/v1/images: exactly one source.
      const sources = ["sourceDisk", "sourceImage", "sourceSnapshot", "rawDisk"].filter((field) => inputs[field] !== undefined);
      return [...nameProblems(inputs), ...labelProblems(inputs.labels), ...(sources.length === 1 ? [] : [`an image takes exactly one of sourceDisk, sourceImage, sourceSnapshot, rawDisk; has ${sources.join(", ") || "none"}`])];
    }
    default:
      return [];
  }
}

/**
 * Pub/Sub limits the offline plan checks: a schema definition is at most 300 KB (Pub/Sub,
 * "Schema overview", quotas and limits); a subscription filter at most 256 bytes (Pub/Sub,
 * "Filter messages", filter syntax); a BigQuery subscription writes with either the
 * topic's schema or the table's, not both (Pub/Sub, "BigQuery subscription properties").
 */
function pubsubProblems(type: string, inputs: State): string[] {
  const problems: string[] = [];
  if (type === "gcp:pubsub/schema:Schema") {
    if (Buffer.byteLength(String(inputs.definition ?? "")) > 300 * 1024) problems.push("definition is over 300 KB");
    if (!["AVRO", "PROTOCOL_BUFFER"].includes(String(inputs.type))) problems.push(`type ${JSON.stringify(inputs.type)}: AVRO or PROTOCOL_BUFFER`);
  }
  if (type === "gcp:pubsub/subscription:Subscription") {
    if (inputs.filter !== undefined && Buffer.byteLength(String(inputs.filter)) > 256) problems.push(`filter is ${Buffer.byteLength(String(inputs.filter))} bytes; at most 256`);
    if (inputs.bigqueryConfig?.useTopicSchema && inputs.bigqueryConfig?.useTableSchema) problems.push("bigqueryConfig: useTopicSchema and useTableSchema exclude each other");
    const kinds = ["pushConfig", "bigqueryConfig", "cloudStorageConfig"].filter((kind) => inputs[kind] !== undefined);
    if (kinds.length > 1) problems.push(`one delivery type per subscription; has ${kinds.join(", ")}`);
    if (inputs.enableExactlyOnceDelivery && kinds.length) problems.push(`exactly-once delivery is for pull subscriptions only; this one has ${kinds[0]}`);
  }
  return problems;
}

/**
 * BigQuery tables: IDs of letters, digits and _ (here ASCII; BigQuery takes some Unicode
 * too), at most 1,024; partitioned on a TIMESTAMP/DATE/DATETIME column that exists; at
 * most four clustering columns, each a column of the table (BigQuery, "Creating
 * partitioned tables", "Creating clustered tables").
 */
function bigQueryTableProblems(inputs: State): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(String(inputs.tableId))) problems.push(`tableId ${JSON.stringify(inputs.tableId)}: 1 to 1024 of letters, digits and _`);
  let columns: { name: string; type: string }[] = [];
  try {
    columns = JSON.parse(String(inputs.schema ?? "[]"));
  } catch {
    problems.push("schema is not JSON");
  }
  const typeOf = (name: string) => columns.find((column) => column.name === name)?.type;
  const partition = inputs.timePartitioning?.field;
  if (partition !== undefined && !["TIMESTAMP", "DATE", "DATETIME"].includes(String(typeOf(partition)))) {
    problems.push(`timePartitioning.field ${JSON.stringify(partition)}: a TIMESTAMP, DATE or DATETIME column of the table (it is ${typeOf(partition) ?? "not a column"})`);
  }
  const clustering: string[] = inputs.clusterings ?? [];
  if (clustering.length > 4) problems.push(`clusterings: at most 4 columns, has ${clustering.length}`);
  for (const column of clustering) if (!typeOf(column)) problems.push(`clusterings: ${JSON.stringify(column)} is not a column of the table`);
  return problems;
}
