import * as pulumi from "@pulumi/pulumi";
import { ServiceAccount, ServiceAccountArgs } from "../../components/serviceAccount";
import { named, ofType, Plan, runComponents } from "../helpers/run";

const member = "serviceAccount:defimon-service@defimon-offline-plan.iam.gserviceaccount.com";

function declare(overrides: Partial<ServiceAccountArgs> = {}, keep?: (account: ServiceAccount) => void): Promise<Plan> {
  return runComponents(() => {
    const account = new ServiceAccount("svc", {
      accountId: "defimon-service",
      displayName: "DEFIMON services",
      publishTo: { events: "defimon-events" },
      subscribeTo: { events: "defimon-events-sub", "dead-letter": "defimon-events-sub-dead-letter" },
      createKey: true,
      keyRotation: "2026-11",
      ...overrides,
    });
    keep?.(account);
  });
}

describe("ServiceAccount", () => {
  it("creates the account the guide names", async () => {
    const plan = await declare();
    expect(named(plan, "svc-account").inputs).toEqual({ accountId: "defimon-service", displayName: "DEFIMON services" });
  });

  it("grants publisher and subscriber on the topic and subscriptions only", async () => {
    const plan = await declare();
    expect(named(plan, "svc-publisher-events").inputs).toEqual({ topic: "defimon-events", role: "roles/pubsub.publisher", member });
    expect(named(plan, "svc-subscriber-events").inputs).toEqual({ subscription: "defimon-events-sub", role: "roles/pubsub.subscriber", member });
    expect(named(plan, "svc-subscriber-dead-letter").inputs).toEqual({ subscription: "defimon-events-sub-dead-letter", role: "roles/pubsub.subscriber", member });
    expect(plan.resources.filter((r) => /projects\/iam|organizations\/iam|folder\/iam/i.test(r.type))).toEqual([]);
  });

  it("creates a key that rotates with keyRotation and is only ever a secret", async () => {
    let account: ServiceAccount | undefined;
    const plan = await declare({}, (a) => (account = a));
    expect(named(plan, "svc-key").inputs.keepers).toEqual({ rotation: "2026-11" });
    expect(named(plan, "svc-key").additionalSecretOutputs).toContain("privateKey");
    expect(await pulumi.isSecret(account!.keyJson!)).toBe(true);
  });

  it("creates no key when createKey is false", async () => {
    let account: ServiceAccount | undefined;
    const plan = await declare({ createKey: false }, (a) => (account = a));
    expect(ofType(plan, "gcp:serviceaccount/key:Key")).toEqual([]);
    expect(account!.keyJson).toBeUndefined();
  });
});
