/**
 * Settings Pub/Sub fixes when a subscription is created: its filter and message ordering
 * (the provider marks `filter` and `enable_message_ordering` ForceNew). Changing one
 * replaces the subscription: its backlog is lost, and a protected stack refuses the
 * replacement. The program compares what config asks with the subscriptions that exist,
 * at deploy time, and warns before `pulumi up` does it; the offline plan has no
 * subscriptions, so it warns of nothing.
 */
import * as gcp from "@pulumi/gcp";

/** What config asks of one consumer's subscription. */
export interface PlannedSubscription {
  consumer: string;
  subscription: string;
  filter?: string;
  messageOrdering: boolean;
}

type Lookup = (args: gcp.pubsub.GetSubscriptionArgs) => Promise<{ filter: string; enableMessageOrdering: boolean }>;

/** One line per fixed setting that config changes on an existing subscription. */
export async function fixedSettingChanges(planned: PlannedSubscription[], protect: boolean, lookup: Lookup = gcp.pubsub.getSubscription): Promise<string[]> {
  const lines = await Promise.all(
    planned.map(async (wanted) => {
      let existing: { filter: string; enableMessageOrdering: boolean };
      try {
        existing = await lookup({ name: wanted.subscription });
      } catch {
        // Not there yet (or the API is not on): nothing to replace.
        return [];
      }
      const outcome = protect ? "a protected stack refuses to replace it (pulumi up fails)" : "pulumi up replaces it, and its backlog is lost";
      const changes: string[] = [];
      if (Boolean(existing.enableMessageOrdering) !== wanted.messageOrdering) {
        changes.push(`defimon:consumers.${wanted.consumer}.messageOrdering = ${wanted.messageOrdering}: subscription ${wanted.subscription} exists with ordering ${existing.enableMessageOrdering ? "on" : "off"}, which Pub/Sub fixes at creation: ${outcome}`);
      }
      if ((existing.filter ?? "") !== (wanted.filter ?? "")) {
        changes.push(`defimon:consumers.${wanted.consumer}.filter = ${JSON.stringify(wanted.filter ?? "")}: subscription ${wanted.subscription} exists with filter ${JSON.stringify(existing.filter ?? "")}, which Pub/Sub fixes at creation: ${outcome}`);
      }
      return changes;
    }),
  );
  return lines.flat();
}
