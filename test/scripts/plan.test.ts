/**
 * `npm run plan` as a user runs it: real stack files, output and exit codes. Two runs
 * are separate processes (the command as npm starts it), started together in beforeAll;
 * the others call the same command in-process, which is several times faster.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planCommand } from "../../tools/plan/command";
import { catalogNoon } from "../helpers/fixedClock";
import { parseDotenv } from "../../lib/render/dotenv";

const root = path.resolve(__dirname, "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command in-process: one at a time (the Pulumi runtime's state is global). */
async function planHere(...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await planCommand(args, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}

/** A plan in its own process, at the suite's clock (the catalogs' read day). */
const atCatalogNoon = ["--at", catalogNoon.toISOString().replace(/\.\d+Z$/, "Z")];

function plan(...args: string[]): Promise<Run> {
  return run(process.execPath, [path.join(root, "scripts", "ts.js"), "scripts/plan.ts", ...args, ...atCatalogNoon]);
}

/** Started together in beforeAll: the worker waits on the processes side by side. */
function run(command: string, args: string[], output: "pipe" | number = "pipe"): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", output, "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Stack files with bad config, written beside the real ones for the runs and removed after. */
const extraStackFiles: Record<string, string> = {
  badconfig: "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west1\n  defimon:preset: huge\n  defimon:pubsub:\n    ackDeadlineSeconds: 5\n",
  unguarded: "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west1\n  defimon:preset: high-load\n  defimon:protect: false\n",
};

const out = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-plan-"));
const policyConfig = path.join(out, "policy-config.json");
let runs: Record<string, Promise<Run>>;

beforeAll(() => {
  for (const [stack, text] of Object.entries(extraStackFiles)) fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), text);
  // Pulumi's --policy-pack-config form: keyed by policy name.
  fs.writeFileSync(policyConfig, JSON.stringify({ "protected-stack-safeguards": { protectedStacks: ["unguarded"] } }));
  runs = {
    prodJson: plan("--stack", "prod", "--json"),
    badConfig: plan("--stack", "badconfig", "--json"),
    // As a user pipes it: through npm, into a pipe that is read as it comes.
    throughNpm: run("npm", ["run", "plan", "--", "--stack", "prod", "--json", ...atCatalogNoon]),
    // Options before npm's --, which npm keeps for itself.
    withoutDashes: run("npm", ["run", "plan", "--stack", "dev"]),
    // A full disk: every write fails with ENOSPC.
    diskFull: run(process.execPath, [path.join(root, "scripts", "ts.js"), "scripts/plan.ts", "--stack", "dev", ...atCatalogNoon], fs.openSync("/dev/full", "w")),
    // The shell's >&-: Node puts /dev/null in its place, and every write "succeeds".
    stdoutClosed: run("sh", ["-c", `exec "${process.execPath}" scripts/ts.js scripts/plan.ts --stack dev >&-`]),
  };
});

afterAll(async () => {
  await Promise.allSettled(Object.values(runs));
  for (const stack of Object.keys(extraStackFiles)) fs.rmSync(path.join(root, `Pulumi.${stack}.yaml`), { force: true });
});

describe("npm run plan", () => {
  it("prints one JSON document of prod: topics with the key, subscription values, IAM, rotation, no account key", async () => {
    const { code, stdout } = await runs.prodJson;
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(["stack", "project", "resources", "outputs", "standInImages", "warnings"]);
    // What the program warns about goes with the plan: offline, prod's group has no snapshot to seed from.
    expect(doc.warnings).toEqual([expect.stringMatching(/^defimon:node\.seedSnapshot = newest: the stack has no chain snapshot yet/)]);
    expect([doc.stack, doc.project]).toEqual(["prod", "defimon"]);
    const byName = (name: string) => doc.resources.find((r: any) => r.name === name);
    for (const resource of doc.resources) {
      expect(Object.keys(resource)).toEqual(expect.arrayContaining(["urn", "type", "name", "inputs", "protect", "dependsOn"]));
    }
    expect(byName("defimon-events-topic").inputs.kmsKeyName).toBe(doc.outputs.cryptoKeyId);
    expect(byName("defimon-events-stream-processing-subscription").inputs).toMatchObject({ name: "defimon-events-sub", ackDeadlineSeconds: 600, messageRetentionDuration: "604800s" });
    expect(byName("defimon-kms-key")).toMatchObject({ protect: true, inputs: { rotationPeriod: "7776000s" } });
    expect(byName("defimon-events-dead-letter-publisher").inputs.role).toBe("roles/pubsub.publisher");
    expect(doc.resources.filter((r: any) => r.type === "gcp:serviceaccount/key:Key")).toEqual([]);
    expect(doc.outputs.serviceAccountKeys).toBeUndefined();
  });

  it("prints a tree and writes the rendered .env and every file the VM boots with, with --out", async () => {
    const { code, stdout } = await planHere("--stack", "prod", "--out", path.join(out, "files"));
    const files = path.join(out, "files");
    expect(code).toBe(0);
    // The registry provider first: every image is resolved before anything else is declared.
    expect(stdout).toMatch(/^pulumi:pulumi:Stack defimon-prod\n├─ pulumi:providers:docker defimon-images-registry .*\n├─ defimon:project:Services defimon-apis/);
    // geth, Lighthouse, Prometheus, Grafana and the nodes' health endpoint (python).
    expect(stdout).toContain("5 images pinned to stand-in digests (published public tags; pulumi preview resolves the registry's): ethereum/client-go:v1.17.10,");
    // The quotas a fresh project must have for prod's two nodes: 2 x (2500 GB data + 50 GB boot) of SSD, 2 x 8 vCPUs, an address each.
    expect(stdout).toMatch(/Compute Engine quotas this stack needs[^\n]*\n  IN_USE_ADDRESSES +europe-west1 +2\n  N2_CPUS +europe-west1 +16\n  SSD_TOTAL_GB +europe-west1 +5100\n  STATIC_ADDRESSES +europe-west1 +2\n  CPUS_ALL_REGIONS +global +16\n  SNAPSHOTS +global +28\n/);
    expect(stdout).toContain("11 alert policies have no notification channel: they notify nobody (set defimon:alerts.emails).");
    expect(stdout).toMatch(/Estimated monthly cost \(europe-west1: Google's Cloud Billing Catalog of \d{4}-\d{2}-\d{2}; [^)]*\):\n(.*\n)*  total +USD +\d+\.\d\d\n/);
    expect(stdout).toMatch(/metadata=\{[^\n]*"startup-script":"<text, \d+ lines>"/);
    expect(parseDotenv(fs.readFileSync(path.join(files, ".env"), "utf8")).EVENT_STREAM_BATCH_SIZE).toBe("500");
    // prod's nodes boot from the group's template.
    expect(fs.readdirSync(path.join(files, "defimon-node-template")).sort()).toEqual([
      ".env", "docker-compose.yml", "geth.toml", "grafana-dashboard-consensus.json", "grafana-dashboard-execution.json", "grafana-dashboard-node.json", "grafana-dashboards.yml",
      "grafana-datasources.yml", "health.py", "ops-agent.yaml", "prometheus.yml", "shutdown.sh", "startup.sh", "upgrades.json",
    ]);
    expect(fs.readFileSync(path.join(files, "defimon-node-template", "startup.sh"), "utf8")).toBe(fs.readFileSync(path.join(root, "boot", "startup.sh"), "utf8"));
  });

  it("stops on bad config with one line per problem, a non-zero exit and no JSON", async () => {
    const { code, stdout, stderr } = await runs.badConfig;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([
      'Pulumi.badconfig.yaml: defimon:preset = "huge": one of small, standard, high-load',
      "Pulumi.badconfig.yaml: defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds",
    ]);
  });

  it("evaluates the policy pack with --policy: prod passes", async () => {
    const { code, stdout, stderr } = await planHere("--stack", "prod", "--policy");
    expect(stderr).not.toContain("policy violations");
    expect(code).toBe(0);
    expect(stdout).toContain("policy pack defimon: no violations");
  });

  it("fails --policy, listing each violation, on a protected stack whose config drops protection", async () => {
    const { code, stderr } = await planHere("--stack", "unguarded", "--json", "--policy", "--policy-config", policyConfig);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      "policy violations (3):",
      "[protected-stack-safeguards] defimon-kms-key: CryptoKey defimon-kms-key is not protected on a protected stack",
      "[protected-stack-safeguards] defimon-kms-key-ring: KeyRing defimon-kms-key-ring is not protected on a protected stack",
      "[protected-stack-safeguards] defimon-node-group: group defimon-node-group is not protected on a protected stack",
    ]);
  });

  it("names the stacks there are for an unknown one, and explains its arguments", async () => {
    const missing = await planHere("--stack", "nope");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no stack file Pulumi.nope.yaml");
    expect(missing.stderr).toMatch(/stacks here: .*\bdev\b.*\bprod\b/);
    const noStack = await planHere();
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain("usage: npm run plan -- --stack <name>");
  });
});

describe("npm run plan where its output cannot go", () => {
  it("exits 1 and says so on a full disk", async () => {
    const { code, stderr } = await runs.diskFull;
    expect([code, stderr.trim().split("\n").pop()]).toEqual([1, "standard output: cannot write the plan (ENOSPC)"]);
  });

  it("exits 1 and says so when standard output is closed", async () => {
    const { code, stderr } = await runs.stdoutClosed;
    expect([code, stderr.trim()]).toEqual([1, "standard output is closed (>&-): the plan would go nowhere; send it to a file or a pipe"]);
  });

  it("says how to pass options through npm when they come before --", async () => {
    const { code, stderr } = await runs.withoutDashes;
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")[0]).toBe("npm kept --stack for itself (options before -- are npm's): run npm run plan -- --stack ...");
  });
});

describe("npm run plan -- --json through a pipe", () => {
  it("is one JSON document: no npm banner, not cut at the pipe's buffer", async () => {
    const result = await runs.throughNpm;
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(65536);
    expect(JSON.parse(result.stdout).stack).toBe("prod");
  });
});
