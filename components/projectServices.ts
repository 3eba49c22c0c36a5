import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ProjectServicesArgs {
  /**
   * Google APIs to enable, e.g. `pubsub.googleapis.com`. They stay enabled when the
   * stack is destroyed: other workloads in the project may use them, and disabling an
   * API can take dependent services and their data with it.
   */
  apis: string[];
}

/**
 * The Google APIs the stack needs, and the Pub/Sub service agent
 * (`service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com`), which Google creates
 * lazily: declaring its identity makes sure it exists before anything grants it a role.
 */
export class ProjectServices extends pulumi.ComponentResource {
  /** One `gcp.projects.Service` per API, keyed by API name. */
  readonly services: Record<string, gcp.projects.Service>;
  /** The Pub/Sub service agent; dead-lettering and CMEK grant roles to it. */
  readonly pubsubServiceAgent: gcp.projects.ServiceIdentity;

  constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("defimon:project:Services", name, {}, opts);

    this.services = Object.fromEntries(
      args.apis.map((api) => [
        api,
        new gcp.projects.Service(
          `${name}-${api.split(".")[0]}`,
          { service: api, disableOnDestroy: false, disableDependentServices: false },
          { parent: this },
        ),
      ]),
    );

    this.pubsubServiceAgent = new gcp.projects.ServiceIdentity(
      `${name}-pubsub-agent`,
      { service: "pubsub.googleapis.com" },
      { parent: this, dependsOn: Object.values(this.services) },
    );

    this.registerOutputs({ pubsubServiceAgent: this.pubsubServiceAgent.email });
  }
}
