/**
 * The restore drill's rules (tools/restoreDrill.ts): arguments, the drill stack's config,
 * the snapshot lookup, reading the balancer's health, when it is done or gives up.
 */
import { parseEngineConfig } from "../../lib/config";
import { projectRoot } from "../../tools/plan/run";
import { readStackConfigFiles } from "../../tools/plan/stackFiles";
import { backendHealth, drillReport, drillStackConfig, drillState, newestSnapshotArgs, parseDrillArgs } from "../../tools/restoreDrill";
import { testStackConfig } from "../../tools/testStacks";

const committed = ["dev", "prod"];

describe("restore drill", () => {
  it("takes a committed source stack, a test stack name and a timeout", () => {
    expect(parseDrillArgs(["--from", "prod", "--name", "test-drill-42"], committed)).toEqual({ from: "prod", name: "test-drill-42", timeoutMinutes: 180 });
    expect(parseDrillArgs(["--from", "prod", "--name", "test-drill-42", "--timeout-minutes", "60"], committed)).toMatchObject({ timeoutMinutes: 60 });
  });

  it("refuses, all at once, an unknown source, a committed stack as the drill's, and a timeout out of range", () => {
    expect(parseDrillArgs(["--from", "staging", "--name", "prod", "--timeout-minutes", "5"], committed)).toEqual({
      problems: [
        '--from = "staging": one of the committed stacks (dev, prod)',
        'refusing stack "prod": test stacks are named pr-<number> or test-<name> (lowercase, at most 25 characters)',
        '--timeout-minutes = "5": a whole number of minutes from 10 to 180',
      ],
    });
    expect(parseDrillArgs(["--from", "prod", "--bogus"], committed)).toEqual({ problems: ["Unknown option '--bogus'"] });
    // Longer than the workflow's job allows for the catch-up: a job killed by its timeout skips the drill's own clean-up.
    expect(parseDrillArgs(["--from", "prod", "--name", "test-drill-1", "--timeout-minutes", "181"], committed)).toEqual({ problems: ['--timeout-minutes = "181": a whole number of minutes from 10 to 180'] });
  });

  it("looks up the source's newest ready snapshot by the label its schedule sets", () => {
    expect(newestSnapshotArgs("defimon-prod", "prod")).toEqual([
      "compute", "snapshots", "list", "--project=defimon-prod", "--filter=labels.pulumi-stack=prod AND status=READY", "--sort-by=~creationTimestamp", "--limit=1", "--format=value(name)",
    ]);
  });

  it("deploys the source's chain as a group of two in the test stacks' project, seeded from the snapshot, unprotected", () => {
    const config = drillStackConfig(testStackConfig(projectRoot, "test-drill-42"), readStackConfigFiles(projectRoot, "prod").config, "defimon-node-chaindata-2026-11-23");
    const parsed = parseEngineConfig(config);
    expect(config["gcp:project"]).toBe("defimon-dev");
    expect(parsed.protect).toBe(false);
    expect(parsed.node).toMatchObject({ network: "mainnet", machineType: "n2-highmem-8", replicas: 2, seedSnapshot: "projects/defimon-prod/global/snapshots/defimon-node-chaindata-2026-11-23" });
    expect(parsed.pubsub.topic).toBe("defimon-events-test-drill-42");
  });

  it("reads the balancer's view of each node", () => {
    const answer = [{ backend: "g", status: { healthStatus: [{ instance: "a", healthState: "HEALTHY" }, { instance: "b", healthState: "UNHEALTHY" }] } }];
    expect(backendHealth(answer)).toEqual({ healthy: 1, total: 2 });
    expect(backendHealth([])).toEqual({ healthy: 0, total: 0 });
  });

  it("is done when every node is healthy, waits until the limit, then gives up", () => {
    expect(drillState({ healthy: 2, total: 2 }, 37 * 60_000, 180)).toEqual({ state: "healthy", minutes: 37 });
    expect(drillState({ healthy: 1, total: 2 }, 37 * 60_000, 180)).toEqual({ state: "waiting", healthy: 1, total: 2 });
    // Nodes not yet registered count as not healthy.
    expect(drillState({ healthy: 0, total: 0 }, 60_000, 180).state).toBe("waiting");
    expect(drillState({ healthy: 1, total: 2 }, 180 * 60_000, 180)).toEqual({ state: "timed-out", minutes: 180, healthy: 1, total: 2 });
  });

  it("reports the snapshot and the catch-up time, or the failure", () => {
    const args = { from: "prod", name: "test-drill-42", timeoutMinutes: 180 };
    expect(drillReport(args, "snap-1", { state: "healthy", minutes: 37 }, 12.5)).toContain("- result: all 2 nodes healthy 37 min after the deployment");
    expect(drillReport(args, "snap-1", { state: "timed-out", minutes: 180, healthy: 1, total: 2 }, 12.5)).toContain("- result: FAILED: 1 of 2 nodes healthy after 180 min (limit 180)");
  });
});
