/**
 * The restore drill (`npm run restore:drill`, the weekly workflow): a throw-away test
 * stack whose nodes are seeded from another stack's newest chain snapshot, up until the
 * load balancer finds its nodes healthy (boot/health.py's /health: synced, head recent),
 * then destroyed. What it runs and when it gives up are decided here, purely, so the rules
 * are unit-tested; scripts/restoreDrill.ts does the cloud part.
 */
import { parseArgs } from "util";
import { stackSlug } from "../lib/naming";
import { snapshotPath } from "../lib/snapshots";
import { testStackProblems } from "./testStacks";

export const drillUsage = "usage: npm run restore:drill -- --from STACK --name test-<name> [--timeout-minutes N]";

export interface DrillArgs {
  /** The committed stack whose snapshots are drilled (prod). */
  from: string;
  /** The throw-away stack: a test stack name. */
  name: string;
  /** How long the nodes may take to turn healthy after `pulumi up` (catch-up from the snapshot's head). */
  timeoutMinutes: number;
}

/**
 * How long the nodes may take to catch up, in minutes. At most 180: the workflow's job
 * allows 300 for the deployment (up to 60), the catch-up and the drill's own destroy (up to
 * 45); a drill killed by its job's timeout is destroyed by the workflow's next job.
 */
export const drillTimeoutMinutes = { min: 10, max: 180, default: 180 };

/** Nodes the drill stack runs: a group, so that the balancer's health check judges them. */
export const drillReplicas = 2;

/** `npm run restore:drill`'s arguments, every problem at once (exit 2 for them). */
export function parseDrillArgs(argv: string[], committedStacks: string[]): DrillArgs | { problems: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, options: { from: { type: "string" }, name: { type: "string" }, "timeout-minutes": { type: "string" } } });
  } catch (error) {
    return { problems: [(error as Error).message.split("\n")[0].replace(/\. To specify a positional argument.*$/, "")] };
  }
  const { from, name, "timeout-minutes": timeout = String(drillTimeoutMinutes.default) } = parsed.values;
  const problems: string[] = [];
  if (!from || !committedStacks.includes(from)) problems.push(`--from = ${JSON.stringify(from ?? null)}: one of the committed stacks (${committedStacks.join(", ")})`);
  if (!name) problems.push("--name: required (test-<name>: the throw-away stack)");
  else problems.push(...testStackProblems(name, committedStacks));
  const { min, max } = drillTimeoutMinutes;
  if (!/^[0-9]{1,4}$/.test(timeout) || Number(timeout) < min || Number(timeout) > max) problems.push(`--timeout-minutes = ${JSON.stringify(timeout)}: a whole number of minutes from ${min} to ${max}`);
  return problems.length ? { problems } : { from: from!, name: name!, timeoutMinutes: Number(timeout) };
}

/** gcloud's arguments listing the source stack's newest ready chain snapshot (by the label the schedule sets). */
export function newestSnapshotArgs(project: string, stack: string): string[] {
  return [
    "compute", "snapshots", "list",
    `--project=${project}`,
    `--filter=labels.pulumi-stack=${stackSlug(stack)} AND status=READY`,
    "--sort-by=~creationTimestamp",
    "--limit=1",
    "--format=value(name)",
  ];
}

/**
 * The drill stack's config: the test stack's (dev's project, per-stack names, unprotected)
 * with the source stack's chain and sizing, `drillReplicas` nodes, seeded from `snapshot`
 * in the source's project. Values as the engine hands them over (objects as JSON text).
 */
export function drillStackConfig(testConfig: Record<string, string>, sourceConfig: Record<string, string>, snapshot: string): Record<string, string> {
  const sourceNode = sourceConfig["defimon:node"] ? (JSON.parse(sourceConfig["defimon:node"]) as Record<string, unknown>) : {};
  // The node's place is the test stack's region; its chain and size are the source's.
  const { zone: _zone, ...node } = sourceNode;
  return {
    ...testConfig,
    "defimon:preset": sourceConfig["defimon:preset"] ?? testConfig["defimon:preset"],
    "defimon:node": JSON.stringify({ ...node, replicas: drillReplicas, seedSnapshot: snapshotPath(snapshot, sourceConfig["gcp:project"]) }),
  };
}

/** Healthy backends and all of them, from `gcloud compute backend-services get-health --format=json`. */
export function backendHealth(answer: unknown): { healthy: number; total: number } {
  const states = (Array.isArray(answer) ? answer : [])
    .flatMap((backend: { status?: { healthStatus?: { healthState?: string }[] } }) => backend.status?.healthStatus ?? [])
    .map((status) => status.healthState);
  return { healthy: states.filter((state) => state === "HEALTHY").length, total: states.length };
}

export type DrillState = { state: "healthy"; minutes: number } | { state: "waiting"; healthy: number; total: number } | { state: "timed-out"; minutes: number; healthy: number; total: number };

/** Where the drill stands `elapsedMs` after `pulumi up` finished, with this health answer. */
export function drillState(health: { healthy: number; total: number }, elapsedMs: number, timeoutMinutes: number, nodes = drillReplicas): DrillState {
  const minutes = Math.round(elapsedMs / 6000) / 10;
  if (health.total >= nodes && health.healthy >= nodes) return { state: "healthy", minutes };
  if (elapsedMs >= timeoutMinutes * 60_000) return { state: "timed-out", minutes, ...health };
  return { state: "waiting", ...health };
}

/** The drill's report (the job summary): which snapshot, how long the catch-up took, or that it did not. */
export function drillReport(args: DrillArgs, snapshot: string, outcome: DrillState, deployMinutes: number): string {
  const result =
    outcome.state === "healthy"
      ? `all ${drillReplicas} nodes healthy ${outcome.minutes} min after the deployment (caught up from the snapshot's head)`
      : outcome.state === "timed-out"
        ? `FAILED: ${outcome.healthy} of ${outcome.total} nodes healthy after ${outcome.minutes} min (limit ${args.timeoutMinutes})`
        : "FAILED: stopped before the nodes were judged";
  return [
    `## Restore drill: ${args.from}'s newest chain snapshot`,
    "",
    `- snapshot: \`${snapshot}\``,
    `- stack: \`${args.name}\` (${drillReplicas} nodes, destroyed afterwards)`,
    `- deployment: ${deployMinutes} min`,
    `- result: ${result}`,
    "",
  ].join("\n");
}
