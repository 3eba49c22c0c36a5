/**
 * Bad input to `npm run plan`, as a new user would give it: one row per case, with the
 * exact lines it must print (a line ending in "…" is matched up to there: the rest lists
 * the catalog) and its exit code: 2 for arguments, then the usage line; 1 for the stack's
 * configuration. Every case stops before the program declares anything, so the rows run
 * in-process against a project folder of their own.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planCommand, usage } from "../../../lib/plan/command";

const root = path.resolve(__dirname, "..", "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-bad-input-"));
fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A valid start: the rows add to it or replace it. */
const base = "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west1\n  defimon:preset: small\n";

interface Row {
  /** Pulumi.t.yaml's text (BASE stands for `base`); none: the folder keeps the previous one. */
  stackFile?: string;
  argv: string[];
  /** policy.json's text. */
  policyConfig?: string;
  code: 1 | 2;
  lines: string[];
}

const rows: Record<string, Row> = {
  "machine type of a valid shape that does not exist": {
    stackFile: "BASE  defimon:node:\n    machineType: n2-standard-7\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:node.machineType = \"n2-standard-7\": no such machine type in europe-west1; n2 there: …",
    ],
  },
  "a day that does not exist for --at": {
    stackFile: "BASE",
    argv: ["--stack", "t", "--at", "2026-02-30"],
    code: 2,
    lines: ['--at = "2026-02-30": a day or a time in UTC, such as 2026-12-16 or 2026-12-16T19:30:00Z'],
  },
  "dev's clients the day after hoodi's Glamsterdam (--at)": {
    stackFile: "BASE",
    argv: ["--stack", "t", "--at", "2026-12-16"],
    code: 1,
    lines: [
      'Pulumi.t.yaml: defimon:node.images.geth = "ethereum/client-go:v1.17.10": does not schedule Glamsterdam (Amsterdam), active on hoodi since 2026-12-15 19:12:24 UTC (epoch 143616): the node left the chain then; …',
      'Pulumi.t.yaml: defimon:node.images.lighthouse = "sigp/lighthouse:v8.3.3": does not schedule Glamsterdam (Gloas), active on hoodi since 2026-12-15 19:12:24 UTC (epoch 143616): the node left the chain then; …',
    ],
  },
  "a geth that carries hoodi's withdrawn date": {
    stackFile: "BASE  defimon:node:\n    images:\n      geth: ethereum/client-go:v1.17.9\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.images.geth = \"ethereum/client-go:v1.17.9\": carries hoodi's withdrawn Glamsterdam (Amsterdam) date 2026-10-26 17:42:48 UTC (withdrawn 2026-10-22): it split off the chain then; …"],
  },
  "zone that does not exist in the region": {
    stackFile: "BASE  defimon:node:\n    zone: europe-west1-z\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:node.zone = \"europe-west1-z\": no such zone; europe-west1 has europe-west1-b, europe-west1-c, europe-west1-d",
    ],
  },
  "region that does not exist": {
    stackFile: "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west99\n  defimon:preset: small\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: gcp:region = \"europe-west99\": one of the 37 regions in data/gce-catalog.json (asia-east1, asia-east2, asia-northeast1, ...)",
    ],
  },
  "gcp:project missing": {
    stackFile: "config:\n  gcp:region: europe-west1\n  defimon:preset: small\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: gcp:project = (not set): the Google Cloud project ID to deploy to (6 to 30 lowercase letters, digits and -)",
    ],
  },
  "gcp:project that is no project ID": {
    stackFile: "config:\n  gcp:project: My Project\n  gcp:region: europe-west1\n  defimon:preset: small\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: gcp:project = \"My Project\": a project ID: 6 to 30 lowercase letters, digits and -, starting with a letter, not ending with -",
    ],
  },
  "a typo in the namespace": {
    stackFile: "BASE  defimn:node:\n    maxPeers: 20\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimn:node = {\"maxPeers\":20}: unknown namespace \"defimn\"; config keys are defimon:..., gcp:..., pulumi:...",
    ],
  },
  "a key of a provider the stack does not use": {
    stackFile: "BASE  aws:region: us-east-1\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: aws:region = \"us-east-1\": unknown namespace \"aws\"; config keys are defimon:..., gcp:..., pulumi:...",
    ],
  },
  "RPC open to the internet in two halves": {
    stackFile: "BASE  defimon:access:\n    rpcSourceRanges: [0.0.0.0/1, 128.0.0.0/1]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:access.rpcSourceRanges = [\"0.0.0.0/1\",\"128.0.0.0/1\"]: together they open to every IPv4 address on the internet; name narrower ranges, or use the IAP tunnel",
    ],
  },
  "admin open to a public /8": {
    stackFile: "BASE  defimon:access:\n    adminSourceRanges: [35.0.0.0/8]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:access.adminSourceRanges = [\"35.0.0.0/8\"]: together they open to 16,777,216 IPv4 internet addresses, more than a /16 (65,536); name narrower ranges, or use the IAP tunnel",
    ],
  },
  "RPC open to the IPv6 internet in halves": {
    stackFile: "BASE  defimon:access:\n    rpcSourceRanges: ['::/1', '8000::/1']\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:access.rpcSourceRanges = [\"::/1\",\"8000::/1\"]: together they open to every IPv6 address on the internet; name narrower ranges, or use the IAP tunnel",
    ],
  },
  "field and cross-field problems together": {
    stackFile: "BASE  defimon:pubsub:\n    minimumBackoff: 5m\n    maximumBackoff: 1m\n    ackDeadlineSeconds: 5\n  defimon:node:\n    dataDiskSizeGb: 50\n    maxPeers: 5000\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds",
      "Pulumi.t.yaml: defimon:pubsub.minimumBackoff = \"5m\": must not be longer than maximumBackoff (60s)",
      "Pulumi.t.yaml: defimon:node.maxPeers = 5000: an integer from 10 to 200 peers",
      "Pulumi.t.yaml: defimon:node.dataDiskSizeGb = 50: too small for hoodi: at least 300 GB",
    ],
  },
  "memory below the cache, with a field error beside it": {
    stackFile: "BASE  defimon:node:\n    gethCache: 16384\n    maxPeers: 1\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:node.maxPeers = 1: an integer from 10 to 200 peers",
      "Pulumi.t.yaml: defimon:node.machineType = \"e2-standard-4\": has 16384 MiB; geth cache 16384 MiB plus geth, Lighthouse on hoodi and the other containers need 28672 MiB",
    ],
  },
  "a dotted key written literally": {
    stackFile: "BASE  defimon:pubsub.ackDeadlineSeconds: 60\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:pubsub.ackDeadlineSeconds = 60: a dotted name is one flat key in a stack file; nest it under defimon:pubsub (pulumi config set --path 'defimon:pubsub.ackDeadlineSeconds' <value> writes it so)",
    ],
  },
  "YAML that does not parse": {
    stackFile: "BASE  defimon:node:\n  maxPeers: 20\n    zone: x\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml:6:13: not valid YAML: Nested mappings are not allowed in compact mappings",
    ],
  },
  "a key given twice": {
    stackFile: "BASE  defimon:preset: standard\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml:5:3: not valid YAML: Map keys must be unique",
    ],
  },
  "config: as a list": {
    stackFile: "config:\n  - gcp:project\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: config: is a list: a mapping of keys (namespace:key) to values",
    ],
  },
  "a stack file that is a list": {
    stackFile: "- config\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: a list at the top: a mapping with config: and, optionally, secretsprovider:, encryptedkey:, encryptionsalt:, environment:",
    ],
  },
  "an empty stack file": {
    stackFile: "",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: Stack 't' is missing configuration value 'preset'",
      "Pulumi.t.yaml: gcp:project = (not set): the Google Cloud project ID to deploy to (6 to 30 lowercase letters, digits and -)",
      "Pulumi.t.yaml: gcp:region = (not set): a region such as europe-west1 (or set defimon:node.zone)",
    ],
  },
  "no --stack": {
    argv: [],
    code: 2,
    lines: [
      "--stack: required; stacks here: t",
    ],
  },
  "an unknown stack": {
    argv: ["--stack", "nope"],
    code: 2,
    lines: [
      "--stack = \"nope\": no stack file Pulumi.nope.yaml in DIR; stacks here: t",
    ],
  },
  "--stack twice": {
    argv: ["--stack", "t", "--stack", "prod"],
    code: 2,
    lines: [
      "--stack given 2 times (\"t\", \"prod\"): give it once",
      "--stack = \"prod\": no stack file Pulumi.prod.yaml in DIR; stacks here: t",
    ],
  },
  "a stack name with a slash": {
    argv: ["--stack", "../t"],
    code: 2,
    lines: [
      "--stack = \"../t\": a stack name: 1 to 100 letters, digits, -, _ and .",
    ],
  },
  "--out under /proc": {
    argv: ["--stack", "t", "--out", "/proc/nope"],
    code: 2,
    lines: [
      "--out = \"/proc/nope\": a folder on a file system for files, not under /proc, /sys or /dev",
    ],
  },
  "--out naming a file": {
    argv: ["--stack", "t", "--out", "DIR/Pulumi.yaml"],
    code: 2,
    lines: [
      "--out = \"DIR/Pulumi.yaml\": is a file; a folder (new or existing) is needed",
    ],
  },
  "--out below a file": {
    argv: ["--stack", "t", "--out", "DIR/Pulumi.yaml/files"],
    code: 2,
    lines: [
      "--out = \"DIR/Pulumi.yaml/files\": DIR/Pulumi.yaml is a file; a folder (new or existing) is needed",
    ],
  },
  "--policy-config without --policy": {
    argv: ["--stack", "t", "--policy-config", "DIR/Pulumi.yaml"],
    code: 2,
    lines: [
      "--policy-config = \"DIR/Pulumi.yaml\": only with --policy (it configures the policy pack)",
      "--policy-config DIR/Pulumi.yaml: not JSON: Unexpected token 'a', \"name: defim\"... is not valid JSON",
    ],
  },
  "--policy-config naming no file": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/none.json"],
    code: 2,
    lines: [
      "--policy-config = \"DIR/none.json\": no such file",
    ],
  },
  "--policy-config naming a folder": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR"],
    code: 2,
    lines: [
      "--policy-config = \"DIR\": a folder, not a file",
    ],
  },
  "--policy-config that is not JSON": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/Pulumi.yaml"],
    code: 2,
    lines: [
      "--policy-config DIR/Pulumi.yaml: not JSON: Unexpected token 'a', \"name: defim\"... is not valid JSON",
    ],
  },
  "an unknown option": {
    argv: ["--stack", "t", "--bogus"],
    code: 2,
    lines: [
      "Unknown option '--bogus'",
    ],
  },
  "a positional argument": {
    argv: ["t"],
    code: 2,
    lines: [
      "Unexpected argument 't'. This command does not take positional arguments",
    ],
  },
  "every argument problem at once": {
    argv: ["--stack", "nope", "--stack", "t", "--out", "/proc/x", "--policy-config", "DIR/none.json"],
    code: 2,
    lines: [
      "--stack given 2 times (\"nope\", \"t\"): give it once",
      "--out = \"/proc/x\": a folder on a file system for files, not under /proc, /sys or /dev",
      "--policy-config = \"DIR/none.json\": only with --policy (it configures the policy pack)",
      "--policy-config = \"DIR/none.json\": no such file",
    ],
  },
  "a policy config in the old flat form": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "{\"protectedStacks\": \"prod\"}",
    code: 2,
    lines: [
      "--policy-config DIR/policy.json: protectedStacks = \"prod\": not a policy of the pack; keys are all, pubsub-topic-cmek, pubsub-subscription-never-expires, dead-lettering-with-service-agent-grants, kms-rotation-1-to-90-days, no-default-compute-service-account, no-sensitive-port-open-to-internet, shielded-vm, os-login, project-ssh-keys-blocked, serial-port-off, no-broad-project-roles-for-service-accounts, no-project-roles-for-service-identities, protected-stack-safeguards, node-groups-health-checked, protected-stack-node-replicas, node-clients-follow-network",
    ],
  },
  "a policy setting of the wrong type": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "{\"protected-stack-safeguards\": {\"protectedStacks\": \"prod\"}}",
    code: 2,
    lines: [
      "--policy-config DIR/policy.json: protected-stack-safeguards.protectedStacks = \"prod\": must be array",
    ],
  },
  "a policy setting the policy does not have": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "{\"protected-stack-safeguards\": {\"protectedStack\": [\"prod\"]}}",
    code: 2,
    lines: [
      "--policy-config DIR/policy.json: protected-stack-safeguards.protectedStack = [\"prod\"]: not a setting of this policy; settings: protectedStacks",
    ],
  },
  "an enforcement level that does not exist": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "{\"all\": \"strict\", \"shielded-vm\": {\"enforcementLevel\": \"never\"}}",
    code: 2,
    lines: [
      "--policy-config DIR/policy.json: all = \"strict\": an enforcement level: advisory, mandatory, remediate, disabled",
      "--policy-config DIR/policy.json: shielded-vm.enforcementLevel = \"never\": an enforcement level: advisory, mandatory, remediate, disabled",
    ],
  },
  "a policy config that is a list": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "[\"prod\"]",
    code: 2,
    lines: [
      "--policy-config DIR/policy.json: [\"prod\"]: a JSON object keyed by policy name, e.g. {\"protected-stack-safeguards\": {\"protectedStacks\": [\"prod\"]}}",
    ],
  },
};

describe("npm run plan: bad input", () => {
  // The rows share one folder: run them in order.
  fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), base);
  it.each(Object.entries(rows))("%s", async (_case, row) => {
    if (row.stackFile !== undefined) fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), row.stackFile.replace("BASE", base));
    if (row.policyConfig !== undefined) fs.writeFileSync(path.join(dir, "policy.json"), row.policyConfig);
    let stdout = "";
    let stderr = "";
    const code = await planCommand(row.argv.map((arg) => arg.split("DIR").join(dir)), { out: (text) => (stdout += text), err: (text) => (stderr += `${text}\n`) }, dir);
    const lines = stderr.trimEnd().split("\n").map((line) => line.split(dir).join("DIR"));
    expect(code).toBe(row.code);
    expect(stdout).toBe("");
    const expected = row.code === 2 ? [...row.lines, usage] : row.lines;
    expect(lines).toHaveLength(expected.length);
    expected.forEach((line, index) => (line.endsWith("…") ? expect(lines[index].startsWith(line.slice(0, -1))).toBe(true) : expect(lines[index]).toBe(line)));
  });
});
