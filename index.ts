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
import { EventBus } from "./components/eventBus";
import { GethHost } from "./components/gethHost";
import { pinImages } from "./components/imagePins";
import { Operability } from "./components/monitoring";
import { NodeNetwork } from "./components/nodeNetwork";
import { NodeSecrets } from "./components/nodeSecrets";
import { ProjectServices } from "./components/projectServices";
import { ServiceAccount } from "./components/serviceAccount";
import { loadStackConfig } from "./lib/config";
import { ports } from "./lib/hostLayout";
import { resourceLabels, stackScopedName } from "./lib/naming";
import { renderEventStreamEnv } from "./lib/render/eventStreamEnv";

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
    ],
  });
  const afterApis = { dependsOn: [apis] };

  const encryption = new Encryption(
    "defimon-kms",
    {
      location: config.kms.location,
      keyRingName: config.kms.keyRing,
      cryptoKeyName: config.kms.cryptoKey,
      rotationPeriodSeconds: config.kms.rotationPeriod,
      protect: config.protect,
      keyUsers: { "pubsub-agent": apis.pubsubServiceAgent.member },
      labels,
    },
    afterApis,
  );

  const eventBus = new EventBus(
    "defimon-events",
    {
      topicName: config.pubsub.topic,
      subscriptionName: config.pubsub.subscription,
      ackDeadlineSeconds: config.pubsub.ackDeadlineSeconds,
      messageRetentionSeconds: config.pubsub.messageRetentionDuration,
      minimumBackoffSeconds: config.pubsub.minimumBackoff,
      maximumBackoffSeconds: config.pubsub.maximumBackoff,
      maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
      kmsKeyName: encryption.cryptoKey.id,
      kmsKeyReady: Object.values(encryption.keyUserGrants),
      pubsubServiceAgentMember: apis.pubsubServiceAgent.member,
      protect: config.protect,
      labels,
    },
    afterApis,
  );

  const services = new ServiceAccount(
    "defimon-service",
    {
      accountId: config.serviceAccount.accountId,
      displayName: "DEFIMON services",
      publishTo: { events: eventBus.topic.name },
      subscribeTo: { events: eventBus.subscription.name, "dead-letter": eventBus.deadLetterSubscription.name },
      createKey: config.serviceAccount.createKey,
      keyRotation: config.serviceAccount.keyRotation,
    },
    afterApis,
  );

  const topicName = eventBus.topic.name;
  const subscriptionName = eventBus.subscription.name;
  const deadLetterTopicName = eventBus.deadLetterTopic.name;
  const deadLetterSubscriptionName = eventBus.deadLetterSubscription.name;
  const cryptoKeyId = encryption.cryptoKey.id;

  /** The `.env` the services read (no credentials in it). */
  const eventStreamEnv = pulumi
    .all([projectId, topicName, subscriptionName, deadLetterTopicName, deadLetterSubscriptionName, cryptoKeyId])
    .apply(([projectId, topic, subscription, deadLetterTopic, deadLetterSubscription, kmsKeyName]) =>
      renderEventStreamEnv(
        {
          // Empty only when the provider has no default project; the client libraries then use ADC's.
          projectId,
          topic,
          subscription,
          deadLetterTopic,
          deadLetterSubscription,
          ackDeadlineSeconds: config.pubsub.ackDeadlineSeconds,
          maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts,
          minimumBackoffSeconds: config.pubsub.minimumBackoff,
          maximumBackoffSeconds: config.pubsub.maximumBackoff,
          kmsKeyName,
          eventStream: config.eventStream,
        },
        stack,
      ),
    );

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
      services: config.services,
      eventStreamEnv,
      publishTopic: eventBus.topic.name,
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

  // Alerts and the dashboard for the event bus and the node.
  const operability = new Operability(
    "defimon-ops",
    {
      subscriptionName,
      deadLetterSubscriptionName,
      topicName,
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

  // The stack outputs. The key is only there when config creates one.
  return {
    topicName,
    topicId: eventBus.topic.id,
    subscriptionName,
    subscriptionId: eventBus.subscription.id,
    deadLetterTopicName,
    deadLetterTopicId: eventBus.deadLetterTopic.id,
    deadLetterSubscriptionName,
    deadLetterSubscriptionId: eventBus.deadLetterSubscription.id,
    cryptoKeyId,
    serviceAccountEmail: services.account.email,
    eventStreamEnv,
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
    // Base64 of the JSON key file, a secret:
    //   pulumi stack output serviceAccountKey --show-secrets | base64 -d > key.json
    ...(services.keyJson ? { serviceAccountKey: services.keyJson } : {}),
  };
}

export = defimonStack;
