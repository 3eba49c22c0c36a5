/**
 * DEFIMON on Google Cloud: the Pub/Sub event bus that replaces Kafka (a subscription and
 * an identity per consumer group, the event schema, a BigQuery sink), its KMS key, and
 * the Geth host that runs the node and the services. Reads config, wires the components,
 * exports outputs; everything else lives in components/ and lib/.
 *
 * The program is a function (Pulumi calls an exported function and takes what it returns
 * as the stack outputs), so the offline plan and the tests can run it again and again
 * without reloading every module.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Encryption } from "./components/encryption";
import { EventAnalytics } from "./components/eventAnalytics";
import { EventBus } from "./components/eventBus";
import { GethHost } from "./components/gethHost";
import { NodeGroup } from "./components/nodeGroup";
import { pinImages } from "./components/imagePins";
import { Operability } from "./components/monitoring";
import { NodeNetwork } from "./components/nodeNetwork";
import { NodeSecrets } from "./components/nodeSecrets";
import { ProjectServices } from "./components/projectServices";
import { ServiceIdentities } from "./components/serviceIdentities";
import { requiredApis } from "./lib/apis";
import { fixedSettingChanges } from "./lib/fixedSettings";
import { loadStackConfig } from "./lib/config";
import { bigQueryColumns, eventSchemaText } from "./lib/eventSchema";
import { ports } from "./lib/hostLayout";
import { resourceLabels, stackScopedName } from "./lib/naming";
import { newestSeed, newestSnapshotSeed, snapshotPath } from "./lib/snapshots";
import { consumerEnv, guideConsumer, serviceEnv } from "./lib/render/eventStreamEnv";

async function defimonStack() {
  const config = loadStackConfig();
  // Upgrades ahead that the pinned clients may not follow, support windows ending.
  for (const warning of config.warnings) pulumi.log.warn(warning);
  const stack = pulumi.getStack();
  /** More than one node: a managed instance group behind an internal load balancer. */
  const grouped = config.node.replicas > 1;
  const { pubsub, consumers, analytics: sinks } = config;
  // Every image resolved first: one that cannot be pulled stops the run here, naming its key.
  const images = await pinImages("defimon-images", [
    ...Object.entries(config.node.images).map(([container, reference]) => ({ container, configKey: `defimon:node.images.${container}`, reference })),
    ...Object.entries(config.services).map(([container, service]) => ({ container, configKey: `defimon:services.${container}.image`, reference: service.image })),
  ]);
  const labels = resourceLabels(config.labels, stack);
  // A filter or ordering change on an existing subscription replaces it: said before it happens.
  const planned = Object.entries(config.consumers).map(([consumer, settings]) => ({ consumer, subscription: settings.subscription, filter: settings.filter, messageOrdering: settings.messageOrdering ?? false }));
  for (const line of await fixedSettingChanges(planned, config.protect)) pulumi.log.warn(line);
  const project = gcp.organizations.getProjectOutput();
  const projectId = project.apply((p) => p.projectId ?? "");
  const { protect } = config;

  const apis = new ProjectServices("defimon-apis", { apis: requiredApis(config, { artifactRegistry: images.repositories.length > 0 }) });
  const afterApis = { dependsOn: [apis] };

  // BigQuery and Cloud Storage use a customer-managed key only in their own location.
  const sinkKey = sinks.bigQuery && config.kms.location === config.node.region;
  const encryption = new Encryption(
    "defimon-kms",
    {
      kms: config.kms,
      protect,
      keyUsers: {
        "pubsub-agent": apis.pubsubServiceAgent.member,
        ...(sinkKey ? { "bigquery-agent": gcp.bigquery.getDefaultServiceAccountOutput({}).member } : {}),
        ...(sinkKey && sinks.archive ? { "storage-agent": gcp.storage.getProjectServiceAccountOutput({}).member } : {}),
      },
      labels,
    },
    afterApis,
  );
  const keyReady = Object.values(encryption.keyUserGrants);
  const cryptoKeyId = encryption.cryptoKey.id;

  const eventBus = new EventBus(
    "defimon-events",
    { topicName: pubsub.topic, schemaDefinition: eventSchemaText(), consumers, kmsKeyName: cryptoKeyId, kmsKeyReady: keyReady, pubsubServiceAgentMember: apis.pubsubServiceAgent.member, protect, labels },
    afterApis,
  );

  /** A service's `.env` (no credentials in it); a consumer's names its own subscription. */
  const envOf = (service?: string) => pulumi.all([projectId, cryptoKeyId]).apply(([projectId, kmsKeyName]) => serviceEnv(config, { projectId, kmsKeyName }, stack, service));
  const guide = guideConsumer(config);
  const eventStreamEnv = envOf(guide);

  // The Geth host.
  const nodeTag = "defimon-node";
  const nodeNetwork = new NodeNetwork(
    "defimon-node-net",
    {
      region: config.node.region,
      targetTag: nodeTag,
      rpcSourceRanges: config.access.rpcSourceRanges,
      adminSourceRanges: config.access.adminSourceRanges,
      servicePorts: Object.values(config.services).flatMap((service) => (service.port === undefined ? [] : [service.port])),
      ...(grouped ? { group: true } : {}),
      labels,
    },
    afterApis,
  );
  const nodeSecrets = new NodeSecrets("defimon-node-secrets", { secretIdPrefix: stackScopedName("defimon", stack, 48), labels }, afterApis);
  const nodeArgs = {
    // IAM account IDs: at most 30 characters.
    serviceAccountId: stackScopedName("defimon-node", stack, 30),
    subnetId: nodeNetwork.subnet.id,
    networkTag: nodeTag,
    pinnedImages: images.pinned,
    imageRepositories: images.repositories,
    // A consumer on the host reads its own subscription.
    services: Object.fromEntries(Object.entries(config.services).map(([name, service]) => [name, { ...service, environment: consumers[name] ? consumerEnv(consumers[name]) : {} }])),
    eventStreamEnv,
    projectId,
    secretFiles: nodeSecrets.secretFiles,
    secrets: nodeSecrets.secrets,
    secretVersions: nodeSecrets.versions,
    snapshots: config.snapshots,
    protect,
    labels,
  };
  // A new chain disk's source: the stack's newest snapshot, one config names, or none.
  // A group keeps a seed image made from it (components/nodeGroup.ts); one VM's disk is made once from it.
  const { seedSnapshot } = config.node;
  const seedImageName = stackScopedName("defimon-seed", stack, 63);
  const newest = seedSnapshot !== "newest" ? undefined : grouped ? await newestSeed(labels["pulumi-stack"], seedImageName) : await newestSnapshotSeed(labels["pulumi-stack"]);
  if (newest && "none" in newest) pulumi.log.warn(`defimon:node.seedSnapshot = newest: ${newest.none}; new nodes start with an empty disk and sync from scratch (hours to days)`);
  const seed: pulumi.Input<string> | undefined =
    seedSnapshot === "none" ? undefined : seedSnapshot === "newest" ? (newest && "snapshot" in newest ? newest.snapshot : undefined) : projectId.apply((id) => snapshotPath(seedSnapshot, id));
  const node = grouped
    ? new NodeGroup(
        "defimon-node",
        {
          ...nodeArgs,
          node: config.node,
          region: config.node.region,
          zones: config.node.groupZones,
          ...(seed ? { seed: { snapshot: seed, imageName: seedImageName, follow: seedSnapshot !== "newest" } } : {}),
          baseInstanceName: stackScopedName("defimon-node", stack, 53),
        },
        afterApis,
      )
    : new GethHost("defimon-node", { ...nodeArgs, node: config.node, externalIp: nodeNetwork.address!.address, ...(seed ? { seedSnapshot: seed } : {}) }, afterApis);

  // One identity per publisher and consumer; the host's services share the host's account.
  const identities = new ServiceIdentities(
    "defimon-identities",
    {
      publishers: config.publishers,
      consumers: Object.fromEntries(Object.entries(eventBus.consumers).map(([name, consumer]) => [name, consumer.subscription.name])),
      topic: eventBus.topic.name,
      onHost: Object.keys(config.services),
      hostMember: node.serviceAccount.member,
      accountIdOf: (service) => stackScopedName(`dfm-${service}`, stack, 30),
      createKeys: config.serviceAccount.createKey,
      keyRotation: config.serviceAccount.keyRotation,
    },
    afterApis,
  );

  const { topic: _topic, ...delivery } = pubsub;
  const analytics = sinks.bigQuery
    ? new EventAnalytics(
        "defimon-analytics",
        {
          topic: eventBus.topic.id,
          topicName: pubsub.topic,
          deadLetterTopic: eventBus.deadLetterTopic.id,
          delivery,
          projectId,
          location: config.node.region,
          analytics: sinks,
          columns: bigQueryColumns(),
          kmsKeyName: sinkKey ? cryptoKeyId : undefined,
          kmsKeyReady: keyReady,
          pubsubServiceAgentMember: apis.pubsubServiceAgent.member,
          protect,
          labels,
        },
        afterApis,
      )
    : undefined;

  // Alerts and the dashboard for the event bus and the node: every consumer's subscription
  // and the analytics sinks' (rows BigQuery refuses go to their dead letters, never silently).
  const subscriptions = [...Object.values(consumers).map((consumer) => consumer.subscription), ...(analytics?.sinkSubscriptionNames ?? [])];
  const operability = new Operability(
    "defimon-ops",
    {
      subscriptionNames: subscriptions,
      deadLetterSubscriptionNames: subscriptions.map((subscription) => `${subscription}-dead-letter`),
      topicName: pubsub.topic,
      nodes: node instanceof NodeGroup ? { baseInstanceName: node.baseInstanceName, replicas: config.node.replicas } : { instanceId: node.instance.instanceId, instanceName: node.instance.name },
      alerts: config.alerts,
      budget: config.budget && { ...config.budget, projectNumber: project.number, projectId },
      labels,
    },
    afterApis,
  );

  // How to reach a node's RPC and Grafana through IAP: one host by name; a group's nodes by theirs (NODE, ZONE).
  const tunnel = (vm: pulumi.Input<string>, zone: string, port: number) =>
    pulumi.interpolate`gcloud compute start-iap-tunnel ${vm} ${port} --local-host-port=localhost:${port} --zone ${zone} --project ${projectId}`;
  const nodeOutputs =
    node instanceof NodeGroup
      ? {
          nodeGroupName: node.group.name,
          nodeRegion: config.node.region,
          /** The nodes (NODE and ZONE for the tunnel commands): name, zone, health, current action. */
          nodeInstancesCommand: pulumi.interpolate`gcloud compute instance-groups managed list-instances ${node.group.name} --region ${config.node.region} --project ${projectId}`,
          nodeInternalRpcUrl: pulumi.interpolate`http://${node.rpcAddress.address}:${ports.gethHttp}`,
          nodeInternalWsUrl: pulumi.interpolate`ws://${node.rpcAddress.address}:${ports.gethWs}`,
          /** The balancer's backend service: gcloud compute backend-services get-health <this> --region <nodeRegion>. */
          nodeBackendServiceName: node.backendService.name,
          rpcTunnelCommand: tunnel("NODE", "ZONE", ports.gethHttp),
          grafanaTunnelCommand: tunnel("NODE", "ZONE", ports.grafanaHost),
        }
      : {
          nodeVmName: node.instance.name,
          nodeZone: config.node.zone,
          nodeExternalIp: nodeNetwork.address!.address,
          nodeInternalRpcUrl: pulumi.interpolate`http://${node.instance.networkInterfaces[0].networkIp}:${ports.gethHttp}`,
          nodeDataDiskId: node.dataDisk.id,
          rpcTunnelCommand: tunnel(node.instance.name, config.node.zone, ports.gethHttp),
          grafanaTunnelCommand: tunnel(node.instance.name, config.node.zone, ports.grafanaHost),
        };
  const byService = <T>(entries: [string, T][]) => pulumi.output(Object.fromEntries(entries));
  const keys = Object.entries(identities.accounts).flatMap(([service, account]) => (account.keyJson ? [[service, account.keyJson] as [string, pulumi.Output<string>]] : []));

  // The stack outputs. Keys are only there when config creates them.
  return {
    topicName: eventBus.topic.name,
    topicId: eventBus.topic.id,
    schemaId: eventBus.schema.id,
    deadLetterTopicName: eventBus.deadLetterTopic.name,
    deadLetterTopicId: eventBus.deadLetterTopic.id,
    /** Each consumer's subscription and dead-letter subscription. */
    subscriptions: byService(Object.entries(eventBus.consumers).map(([name, c]) => [name, { subscription: c.subscription.name, deadLetter: c.deadLetterSubscription.name }])),
    /** The guide's subscription (stream processing's), for clients that know only that one. */
    ...(guide ? { subscriptionName: eventBus.consumers[guide].subscription.name, deadLetterSubscriptionName: eventBus.consumers[guide].deadLetterSubscription.name } : {}),
    cryptoKeyId,
    /** Each service's account off the host; the host's services run as nodeServiceAccountEmail. */
    serviceAccountEmails: byService(Object.entries(identities.accounts).map(([service, account]) => [service, account.account.email])),
    nodeServiceAccountEmail: node.serviceAccount.email,
    /** The guide's .env (stream processing's), and each publisher's and consumer's own. */
    eventStreamEnv,
    serviceEnvs: byService([...new Set([...config.publishers, ...Object.keys(consumers)])].sort().map((service) => [service, envOf(service)])),
    ...(analytics ? { analyticsTable: pulumi.interpolate`${projectId}.${analytics.dataset.datasetId}.${analytics.table.tableId}`, bigQuerySubscriptionName: analytics.bigQuerySubscription.name } : {}),
    ...nodeOutputs,
    nodeNetwork: config.node.network,
    nodeImages: node.pinnedImages,
    /** Where the Grafana admin password is (not the password): gcloud secrets versions access latest --secret <this>. */
    grafanaPasswordSecret: nodeSecrets.secrets["grafana-admin-password"].secretId,
    snapshotScheduleName: node.snapshotSchedule.name,
    dashboardId: operability.dashboard.id,
    // Base64 of each JSON key file, secrets:
    //   pulumi stack output serviceAccountKeys --show-secrets | jq -r '.["ml-pipeline"]' | base64 -d > key.json
    ...(keys.length ? { serviceAccountKeys: pulumi.secret(byService(keys)) } : {}),
  };
}

export = defimonStack;
