/**
 * The restore drill (needs the Pulumi CLI, gcloud, a state backend and Google Cloud
 * credentials; the weekly workflow runs it):
 *
 *   npm run restore:drill -- --from prod --name test-drill-<n> [--timeout-minutes 180]
 *
 * Finds the newest ready chain snapshot of --from's stack (by the pulumi-stack label its
 * schedule sets), deploys test stack --name as a group of tools/restoreDrill.ts's
 * drillReplicas nodes seeded from it (policy pack in its preview and update), waits until the load balancer's health check
 * (boot/health.py's /health: synced, head recent) finds every node healthy, reports how
 * long the catch-up took, and destroys the stack whatever happened. Exit 0 healthy in
 * time, 1 otherwise, 2 for bad arguments.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseEngineConfig } from "../lib/config";
import { projectRoot } from "../tools/plan/run";
import { readStackConfigFiles } from "../tools/plan/stackFiles";
import { backendHealth, DrillState, drillReport, drillStackConfig, drillState, drillUsage, newestSnapshotArgs, parseDrillArgs } from "../tools/restoreDrill";
import { committedStackNames, setAllConfigJson, testStackConfig } from "../tools/testStacks";
import { deployWithPolicy, describeFailure, down, prepareExisting, pulumiCommand } from "./testStackOps";

const pollSeconds = 60;
const gcloud = (args: string[]) => execFileSync("gcloud", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

async function drill(): Promise<number> {
  const args = parseDrillArgs(process.argv.slice(2), committedStackNames(projectRoot));
  if ("problems" in args) {
    console.error(`${args.problems.join("\n")}\n${drillUsage}`);
    return 2;
  }
  const source = readStackConfigFiles(projectRoot, args.from).config;
  const snapshot = gcloud(newestSnapshotArgs(source["gcp:project"], args.from));
  if (!snapshot) {
    console.error(`${args.from}: no ready chain snapshot in ${source["gcp:project"]}; nothing to drill`);
    return 1;
  }
  const config = drillStackConfig(testStackConfig(projectRoot, args.name), source, snapshot);
  parseEngineConfig(config);
  const stackFile = path.join(projectRoot, `Pulumi.${args.name}.yaml`);
  let outcome: DrillState = { state: "waiting", healthy: 0, total: 0 };
  let deployMinutes = 0;
  try {
    const exists = await prepareExisting(args.name);
    const options = { secretsProvider: process.env.DEFIMON_SECRETS_PROVIDER, pulumiCommand: await pulumiCommand() };
    const stackArgs = { stackName: args.name, workDir: projectRoot };
    const stack = exists ? await LocalWorkspace.selectStack(stackArgs, options) : await LocalWorkspace.createStack(stackArgs, options);
    await stack.setAllConfigJson(setAllConfigJson(config));
    const deployStart = Date.now();
    const result = await deployWithPolicy(stack, (line) => process.stdout.write(line));
    deployMinutes = Math.round((Date.now() - deployStart) / 6000) / 10;
    const backend = String(result.outputs.nodeBackendServiceName.value);
    const region = String(result.outputs.nodeRegion.value);
    const started = Date.now();
    for (;;) {
      const health = backendHealth(JSON.parse(gcloud(["compute", "backend-services", "get-health", backend, `--region=${region}`, `--project=${config["gcp:project"]}`, "--format=json"]) || "[]"));
      outcome = drillState(health, Date.now() - started, args.timeoutMinutes);
      console.log(`drill: ${outcome.state === "waiting" ? `${outcome.healthy} of ${outcome.total} nodes healthy` : outcome.state}`);
      if (outcome.state !== "waiting") break;
      await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
    }
  } finally {
    const report = drillReport(args, snapshot, outcome, deployMinutes);
    console.log(report);
    if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, report);
    // Whatever happened: the drill's nodes cost money by the hour.
    await down(args.name);
    fs.rmSync(stackFile, { force: true });
  }
  return outcome.state === "healthy" ? 0 : 1;
}

drill()
  .catch((error) => {
    console.error(describeFailure(error));
    return 1;
  })
  .then((code) => process.stdout.write("", () => process.exit(code)));
