/**
 * The Google Cloud APIs a stack needs, from its config: each one a resource touches.
 * serviceusage.googleapis.com must be on already: it is what enables the others.
 */
import type { StackConfig } from "./config";

export function requiredApis(config: StackConfig, options: { artifactRegistry: boolean }): string[] {
  return [
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
    ...(options.artifactRegistry ? ["artifactregistry.googleapis.com"] : []),
    ...(config.analytics.bigQuery ? ["bigquery.googleapis.com"] : []),
    ...(config.analytics.bigQuery && config.analytics.archive ? ["storage.googleapis.com"] : []),
  ];
}
