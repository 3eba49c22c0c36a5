/**
 * DEFIMON on Google Cloud: the Pub/Sub event bus that replaces Kafka, its KMS key,
 * the service account the services use, and the Geth host that runs the node and the
 * services. Reads config, wires the components, exports outputs; everything else lives
 * in components/ and lib/.
 *
 * The program is a function (Pulumi calls an exported function and takes what it returns
 * as the stack outputs), so the offline plan and the tests can run it again and again
 * without reloading every module.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Encryption } from "./components/encryption";
import { EventAnalytics } from "./components/eventAnalytics";
import { deadLetterSourceAttribute, EventBus } from "./components/eventBus";
import { GethHost } from "./components/gethHost";
import { pinImages } from "./components/imagePins";
import { Operability } from "./components/monitoring";
import { NodeNetwork } from "./components/nodeNetwork";
import { NodeSecrets } from "./components/nodeSecrets";
import { ProjectServices } from "./components/projectServices";
import { ServiceIdentities } from "./components/serviceIdentities";
import { ConsumerConfig, loadStackConfig, StackConfig } from "./lib/config";
import { bigQueryColumns, eventSchemaText } from "./lib/eventSchema";
import { ports } from "./lib/hostLayout";
import { resourceLabels, stackScopedName } from "./lib/naming";
import { consumerEnv, ConsumerEnvInput, renderEventStreamEnv } from "./lib/render/eventStreamEnv";

/** The consumer that keeps the guide's subscription name (`<topic>-sub`), if one does. */
const guideConsumer = (config: StackConfig) => Object.keys(config.consumers).find((name) => config.consumers[name].subscription === `${config.pubsub.topic}-sub`);

const consumerEnvInput = (consumer: ConsumerConfig): ConsumerEnvInput => ({
  subscription: consumer.subscription,
  ackDeadlineSeconds: consumer.ackDeadlineSeconds,
  maxDeliveryAttempts: consumer.maxDeliveryAttempts,
  minimumBackoffSeconds: consumer.minimumBackoff,
  maximumBackoffSeconds: consumer.maximumBackoff,
});

async function defimonStack() {
  const config = loadStackConfig();
  const stack = pulumi.getStack();
  // Every image resolved first: one that cannot be pulled stops the run here, naming its key.
  const images = await pinImages("defimon-images", [
    ...Object.entries(config.node.images).map(([container, reference]) => ({ container, configKey: `defimon:node.images.${container}`, reference })),
    ...Object.entries(config.services).map(([container, service]) => ({ container, configKey: `defimon:services.${container}.image`, reference: service.image })),
  ]);
  const labels = resourceLabels(config.labels, stack);
  const project = gcp.organizations.getProjectOutput();
  const projectId = project.apply((p) => p.projectId ?? "");

  const apis = new ProjectServices("defimon-apis", {
    // serviceusage.googleapis.com must be on already: it is what enables the others.
    apis: [
      // getProject and project-level IAM bindings call Resource Manager.
      "cloudresourcemanager.googleapis.com",
      "pubsub.googleapis.com",
      "cloudkms.googleapis.com",
      "iam.googleapis.com",
      "compute.googleapis.com",
      "secretmanager.googleapis.com",
      "iap.googleapis.com",
      "logging.googleapis.com",
      "monitoring.googleapis.com",
      // Budgets belong to the billing account, but their API is called from this project.
      ...(config.budget ? ["billingbudgets.googleapis.com"] : []),
      ...(images.repositories.length ? ["artifactregistry.googleapis.com"] : []),
      ...(config.analytics.bigQuery ? ["bigquery.googleapis.com"] : []),
      ...(config.analytics.bigQuery && config.analytics.archive ? ["storage.googleapis.com"] : []),
    ],
  });
  const afterApis = { dependsOn: [apis] };

  // BigQuery and Cloud Storage use a customer-managed key only in their own location.
  const sinkKey = config.analytics.bigQuery && config.kms.location === config.node.region;
  const encryption = new Encryption(
    "defimon-kms",
    {
      location: config.kms.location,
      keyRingName: config.kms.keyRing,
      cryptoKeyName: config.kms.cryptoKey,
      rotationPeriodSeconds: config.kms.rotationPeriod,
      protect: config.protect,
      keyUsers: {
        "pubsub-agent": apis.pubsubServiceAgent.member,
        // The sinks' service agents, where the key can serve them (same location).
        ...(sinkKey ? { "bigquery-agent": gcp.bigquery.getDefaultServiceAccountOutput({}).member } : {}),
        ...(sinkKey && config.analytics.archive ? { "storage-agent": gcp.storage.getProjectServiceAccountOutput({}).member } : {}),
      },
      labels,
    },
    afterApis,
  );

  const eventBus = new EventBus(
    "defimon-events",
    {
      topicName: config.pubsub.topic,
      schemaDefinition: eventSchemaText(),
      consumers: config.consumers,
      kmsKeyName: encryption.cryptoKey.id,
      kmsKeyReady: Object.values(encryption.keyUserGrants),
      pubsubServiceAgentMember: apis.pubsubServiceAgent.member,
      protect: config.protect,
      labels,
    },
    afterApis,
  );

  const cryptoKeyId = encryption.cryptoKey.id;
  const guide = guideConsumer(config);
  /** The `.env` a service reads (no credentials in it); a consumer's names its own subscription. */
  const envOf = (service?: string) =>
    pulumi.all([projectId, cryptoKeyId]).apply(([projectId, kmsKeyName]) =>
      renderEventStreamEnv(
        {
          projectId,
          topic: config.pubsub.topic,
          deadLetterTopic: `${config.pubsub.topic}-dead-letter`,
          kmsKeyName,
          eventStream: config.eventStream,
          consumer: service !== undefined && config.consumers[service] ? consumerEnvInput(config.consumers[service]) : undefined,
        },
        stack,
        service,
      ),
    );
  const eventStreamEnv = envOf(guide);

  // The Geth host.
  const nodeTag = "defimon-node";
  const servicePorts = Object.values(config.services).flatMap((service) => (service.port === undefined ? [] : [service.port]));

  const nodeNetwork = new NodeNetwork(
    "defimon-node-net",
    {
      region: config.node.region,
      targetTag: nodeTag,
      rpcSourceRanges: config.access.rpcSourceRanges,
      adminSourceRanges: config.access.adminSourceRanges,
      servicePorts,
      labels,
    },
    afterApis,
  );

  const nodeSecrets = new NodeSecrets("defimon-node-secrets", { secretIdPrefix: stackScopedName("defimon", stack, 48), labels }, afterApis);

  const host = new GethHost(
    "defimon-node",
    {
      // IAM account IDs: at most 30 characters.
      serviceAccountId: stackScopedName("defimon-node", stack, 30),
      zone: config.node.zone,
      machineType: config.node.machineType,
      dataDiskSizeGb: config.node.dataDiskSizeGb,
      dataDiskType: config.node.dataDiskType,
      dataDiskIops: config.node.dataDiskIops,
      dataDiskThroughputMibps: config.node.dataDiskThroughputMibps,
      subnetId: nodeNetwork.subnet.id,
      externalIp: nodeNetwork.address.address,
      networkTag: nodeTag,
      network: config.node.network,
      gethCache: config.node.gethCache,
      maxPeers: config.node.maxPeers,
      checkpointSyncUrl: config.node.checkpointSyncUrl,
      pinnedImages: images.pinned,
      imageRepositories: images.repositories,
      // A consumer on the host reads its own subscription.
      services: Object.fromEntries(
        Object.entries(config.services).map(([name, service]) => [name, { ...service, environment: config.consumers[name] ? consumerEnv(consumerEnvInput(config.consumers[name])) : {} }]),
      ),
      eventStreamEnv,
      projectId,
      secretFiles: nodeSecrets.secretFiles,
      secrets: nodeSecrets.secrets,
      secretVersions: nodeSecrets.versions,
      snapshotRetentionDays: config.snapshots.retentionDays,
      snapshotStartTime: config.snapshots.startTime,
      protect: config.protect,
      labels,
    },
    afterApis,
  );

  // One identity per publisher and consumer; the host's services share the host's account.
  const identities = new ServiceIdentities(
    "defimon-identities",
    {
      publishers: config.publishers,
      consumers: Object.fromEntries(Object.entries(eventBus.consumers).map(([name, consumer]) => [name, consumer.subscription.name])),
      topic: eventBus.topic.name,
      onHost: Object.keys(config.services),
      hostMember: host.serviceAccount.member,
      accountIdOf: (service) => stackScopedName(`dfm-${service}`, stack, 30),
      createKeys: config.serviceAccount.createKey,
      keyRotation: config.serviceAccount.keyRotation,
    },
    afterApis,
  );

  const analytics = config.analytics.bigQuery
    ? new EventAnalytics(
        "defimon-analytics",
        {
          topic: eventBus.topic.id,
          topicName: config.pubsub.topic,
          deadLetterTopic: eventBus.deadLetterTopic.id,
          deadLetterSourceAttribute,
          ackDeadlineSeconds: config.pubsub.ackDeadlineSeconds,
          messageRetentionSeconds: config.pubsub.messageRetentionDuration,
          minimumBackoffSeconds: config.pubsub.minimumBackoff,
          maximumBackoffSeconds: config.pubsub.maximumBackoff,
          maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
          projectId,
          location: config.node.region,
          datasetId: config.analytics.dataset,
          tableId: config.analytics.table,
          columns: bigQueryColumns(),
          partitionExpirationDays: config.analytics.partitionExpirationDays,
          // BigQuery and Cloud Storage take only a key of their own location.
          kmsKeyName: sinkKey ? cryptoKeyId : undefined,
          kmsKeyReady: Object.values(encryption.keyUserGrants),
          archive: config.analytics.archive,
          archiveRetentionDays: config.analytics.archiveRetentionDays,
          pubsubServiceAgentMember: apis.pubsubServiceAgent.member,
          protect: config.protect,
          labels,
        },
        afterApis,
      )
    : undefined;

  // Alerts and the dashboard for the event bus and the node.
  const consumerSubscriptions = Object.values(config.consumers).map((consumer) => consumer.subscription);
  const operability = new Operability(
    "defimon-ops",
    {
      subscriptionNames: consumerSubscriptions,
      deadLetterSubscriptionNames: consumerSubscriptions.map((subscription) => `${subscription}-dead-letter`),
      topicName: config.pubsub.topic,
      instanceId: host.instance.instanceId,
      instanceName: host.instance.name,
      emails: config.alerts.emails,
      oldestUnackedAgeSeconds: config.alerts.oldestUnackedAgeSeconds,
      backlogMessages: config.alerts.backlogMessages,
      diskUsedPercent: config.alerts.diskUsedPercent,
      memoryUsedPercent: config.alerts.memoryUsedPercent,
      headStallMinutes: config.alerts.headStallMinutes,
      budget: config.budget && { ...config.budget, projectNumber: project.number, projectId },
      labels,
    },
    afterApis,
  );

  const vmName = host.instance.name;
  const zone = config.node.zone;
  const tunnel = (port: number, localPort: number) =>
    pulumi.interpolate`gcloud compute start-iap-tunnel ${vmName} ${port} --local-host-port=localhost:${localPort} --zone ${zone} --project ${projectId}`;

  // The stack outputs. Keys are only there when config creates them.
  const keys = Object.entries(identities.accounts).flatMap(([service, account]) => (account.keyJson ? [[service, account.keyJson] as const] : []));
  return {
    topicName: eventBus.topic.name,
    topicId: eventBus.topic.id,
    schemaId: eventBus.schema.id,
    deadLetterTopicName: eventBus.deadLetterTopic.name,
    deadLetterTopicId: eventBus.deadLetterTopic.id,
    /** Each consumer's subscription and dead-letter subscription. */
    subscriptions: pulumi.output(Object.fromEntries(Object.entries(eventBus.consumers).map(([name, c]) => [name, { subscription: c.subscription.name, deadLetter: c.deadLetterSubscription.name }]))),
    /** The guide's subscription (stream processing's), for clients that know only that one. */
    ...(guide ? { subscriptionName: eventBus.consumers[guide].subscription.name, deadLetterSubscriptionName: eventBus.consumers[guide].deadLetterSubscription.name } : {}),
    cryptoKeyId,
    /** Each service's account off the host; the host's services run as nodeServiceAccountEmail. */
    serviceAccountEmails: pulumi.output(Object.fromEntries(Object.entries(identities.accounts).map(([service, account]) => [service, account.account.email]))),
    nodeServiceAccountEmail: host.serviceAccount.email,
    eventStreamEnv,
    /** Each publisher's and consumer's .env. */
    serviceEnvs: pulumi.output(Object.fromEntries([...new Set([...config.publishers, ...Object.keys(config.consumers)])].sort().map((service) => [service, envOf(service)]))),
    ...(analytics
      ? {
          analyticsTable: pulumi.interpolate`${projectId}.${analytics.dataset.datasetId}.${analytics.table.tableId}`,
          bigQuerySubscriptionName: analytics.bigQuerySubscription.name,
        }
      : {}),
    nodeVmName: vmName,
    nodeZone: zone,
    nodeNetwork: config.node.network,
    nodeExternalIp: nodeNetwork.address.address,
    nodeInternalRpcUrl: pulumi.interpolate`http://${host.instance.networkInterfaces[0].networkIp}:${ports.gethHttp}`,
    nodeDataDiskId: host.dataDisk.id,
    nodeImages: host.pinnedImages,
    rpcTunnelCommand: tunnel(ports.gethHttp, ports.gethHttp),
    grafanaTunnelCommand: tunnel(ports.grafanaHost, ports.grafanaHost),
    /** Where the Grafana admin password is (not the password): gcloud secrets versions access latest --secret <this>. */
    grafanaPasswordSecret: nodeSecrets.secrets["grafana-admin-password"].secretId,
    snapshotScheduleName: host.snapshotSchedule.name,
    dashboardId: operability.dashboard.id,
    // Base64 of each JSON key file, secrets:
    //   pulumi stack output serviceAccountKeys --show-secrets | jq -r '.["ml-pipeline"]' | base64 -d > key.json
    ...(keys.length ? { serviceAccountKeys: pulumi.secret(pulumi.output(Object.fromEntries(keys))) } : {}),
  };
}

export = defimonStack;
