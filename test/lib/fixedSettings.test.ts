/**
 * Pub/Sub's settings fixed at creation (lib/fixedSettings.ts): a change on an existing
 * subscription is said before `pulumi up` replaces it.
 */
import { fixedSettingChanges, PlannedSubscription } from "../../lib/fixedSettings";

const planned = (changes: Partial<PlannedSubscription> = {}): PlannedSubscription[] => [{ consumer: "ml-pipeline", subscription: "defimon-events-ml-pipeline", messageOrdering: false, ...changes }];
const existing = (filter: string, enableMessageOrdering: boolean) => async () => ({ filter, enableMessageOrdering });

describe("settings fixed at creation", () => {
  it("says nothing when the subscription does not exist yet, or nothing fixed changes", async () => {
    expect(await fixedSettingChanges(planned({ messageOrdering: true }), false, () => Promise.reject(new Error("projects/p/subscriptions/s not found")))).toEqual([]);
    expect(await fixedSettingChanges(planned(), false, existing("", false))).toEqual([]);
  });

  it("warns that turning ordering on replaces the subscription, and that a protected stack refuses it", async () => {
    expect(await fixedSettingChanges(planned({ messageOrdering: true }), false, existing("", false))).toEqual([
      "defimon:consumers.ml-pipeline.messageOrdering = true: subscription defimon-events-ml-pipeline exists with ordering off, which Pub/Sub fixes at creation: pulumi up replaces it, and its backlog is lost",
    ]);
    expect(await fixedSettingChanges(planned({ filter: 'attributes.network = "mainnet"' }), true, existing("", false))).toEqual([
      'defimon:consumers.ml-pipeline.filter = "attributes.network = \\"mainnet\\"": subscription defimon-events-ml-pipeline exists with filter "", which Pub/Sub fixes at creation: a protected stack refuses to replace it (pulumi up fails)',
    ]);
  });
});
