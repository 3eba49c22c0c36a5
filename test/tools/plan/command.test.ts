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
import { execFileSync, spawnSync } from "child_process";
import { planCommand, usage } from "../../../tools/plan/command";

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
  /** policy.json's text (DEEP: an array nested 20,000 deep). */
  policyConfig?: string;
  /** The environment the command sees (npm's variables). */
  env?: Record<string, string>;
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
      "--policy-config = \"DIR\": a folder, not a regular file",
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
  // Round 3 (#24): what Google Cloud or Pulumi refuses, refused; what they accept, accepted.
  "a consumer's subscription that is the BigQuery sink's": {
    stackFile: "BASE  defimon:consumers:\n    indexer:\n      subscription: defimon-events-bigquery\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:consumers.indexer.subscription = \"defimon-events-bigquery\": defimon-events-bigquery would be both consumer indexer's subscription and the BigQuery sink's subscription; every subscription of the stack needs its own ID"],
  },
  "a consumer's subscription that is another's dead-letter reader": {
    stackFile: "BASE  defimon:consumers:\n    aa:\n      subscription: xyz\n    bb:\n      subscription: xyz-dead-letter\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:consumers.bb.subscription = \"xyz-dead-letter\": xyz-dead-letter would be both the reader of consumer aa's dead letters and consumer bb's subscription; every subscription of the stack needs its own ID"],
  },
  "the same e-mail twice, in another case": {
    stackFile: "BASE  defimon:alerts:\n    emails: [ops@example.com, Ops@Example.com]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:alerts.emails[1] = \"Ops@Example.com\": is ops@example.com again (entry 1); name each address once"],
  },
  "a consumer name too long for its service account ID": {
    stackFile: "BASE  defimon:consumers:\n    event-indexer-mainnet: {}\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:consumers has key \"event-indexer-mainnet\": at most 17 characters: its service account ID, dfm-<name>-<stack>, must fit IAM's 30"],
  },
  "a publisher name too long for its service account ID": {
    stackFile: "BASE  defimon:publishers: [analytics-api, blockchain-node-eu1]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:publishers[1] = \"blockchain-node-eu1\": at most 17 characters: its service account ID, dfm-<name>-<stack>, must fit IAM's 30"],
  },
  "a Pub/Sub filter outside Pub/Sub's grammar": {
    stackFile: "BASE  defimon:consumers:\n    indexer:\n      filter: 'network = mainnet'\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:consumers.indexer.filter = \"network = mainnet\": not a Pub/Sub filter: …"],
  },
  "e-mail addresses no mail system takes": {
    stackFile: "BASE  defimon:alerts:\n    emails: [a..b@example.com, ops@localhost, 'x@-y.com', '\"o p\"@example.com', ops@example.com]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: [
      "Pulumi.t.yaml: defimon:alerts.emails[0] = \"a..b@example.com\": an e-mail address such as ops@example.com (no spaces, quotes or dots at the ends; a domain with a top-level domain of letters)",
      "Pulumi.t.yaml: defimon:alerts.emails[1] = \"ops@localhost\": an e-mail address such as ops@example.com (no spaces, quotes or dots at the ends; a domain with a top-level domain of letters)",
      "Pulumi.t.yaml: defimon:alerts.emails[2] = \"x@-y.com\": an e-mail address such as ops@example.com (no spaces, quotes or dots at the ends; a domain with a top-level domain of letters)",
      "Pulumi.t.yaml: defimon:alerts.emails[3] = \"\\\"o p\\\"@example.com\": an e-mail address such as ops@example.com (no spaces, quotes or dots at the ends; a domain with a top-level domain of letters)",
    ],
  },
  "IPv4 and IPv6 ranges in one firewall rule": {
    stackFile: "BASE  defimon:access:\n    rpcSourceRanges: [203.0.113.0/24, '2001:db8::/32']\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:access.rpcSourceRanges = [\"203.0.113.0/24\",\"2001:db8::/32\"]: mixes IPv4 and IPv6 ranges, and a firewall rule takes one family (Google refuses the rule): keep one family here"],
  },
  "an E2 custom type with an odd vCPU count": {
    stackFile: "BASE  defimon:node:\n    machineType: e2-custom-5-32768\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.machineType = \"e2-custom-5-32768\": e2 custom types take 2 to 32 vCPUs, in steps of 2"],
  },
  "a custom type with more memory per vCPU than without extended memory": {
    stackFile: "BASE  defimon:node:\n    machineType: n2-custom-4-65536\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.machineType = \"n2-custom-4-65536\": 4 vCPUs take at most 32 GB (8 GB per vCPU); more needs extended memory: n2-custom-4-65536-ext"],
  },
  "extended memory on E2": {
    stackFile: "BASE  defimon:node:\n    machineType: e2-custom-4-65536-ext\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.machineType = \"e2-custom-4-65536-ext\": e2 has no extended memory (-ext)"],
  },
  "custom memory off the 256 MiB steps": {
    stackFile: "BASE  defimon:node:\n    machineType: n2-custom-8-32800\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.machineType = \"n2-custom-8-32800\": custom memory comes in steps of 256 MiB (32800 is not one)"],
  },
  "an N2D custom vCPU count N2D does not take": {
    stackFile: "BASE  defimon:node:\n    machineType: n2d-custom-12-49152\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.machineType = \"n2d-custom-12-49152\": n2d custom types take 2, 4, 8, 16, 32, 48, 64, 80, 96 vCPUs"],
  },
  "a Cloud KMS location that does not exist": {
    stackFile: "BASE  defimon:kms:\n    location: europe-north9\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:kms.location = \"europe-north9\": global, a multi-region such as us or europe (…"],
  },
  "a currency that is not ISO 4217": {
    stackFile: "BASE  defimon:alerts:\n    emails: [ops@example.com]\n  defimon:budget:\n    billingAccount: 012345-6789AB-CDEF01\n    monthlyAmount: 100\n    currency: EUO\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:budget.currency = \"EUO\": an ISO 4217 code such as USD or EUR (the billing account's currency; data/iso-4217.json)"],
  },
  "a head age beyond the stall window": {
    stackFile: "BASE  defimon:node:\n    maxHeadAgeSeconds: 3600\n    stalledAfterSeconds: 900\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:node.maxHeadAgeSeconds = 3600: must be shorter than defimon:node.stalledAfterSeconds (900): a node would keep serving a head too old to move until it is recreated"],
  },
  "an integer written with a leading 0, read as octal as Pulumi does": {
    stackFile: "BASE  defimon:pubsub:\n    ackDeadlineSeconds: 01200\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:pubsub.ackDeadlineSeconds = 640: an integer from 10 to 600 seconds"],
  },
  "an unquoted date, read as a time as Pulumi does": {
    stackFile: "BASE  defimon:serviceAccount:\n    keyRotation: 2026-12-01\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:serviceAccount.keyRotation = \"2026-12-01 00:00:00 +0000 UTC\": 1 to 63 letters, digits, . _ and -; YAML read an unquoted date as a time (Pulumi stores it so): quote it"],
  },
  "a merge key whose merged value is out of range": {
    stackFile: "BASE  defimon:pubsub:\n    <<: {ackDeadlineSeconds: 6}\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:pubsub.ackDeadlineSeconds = 6: an integer from 10 to 600 seconds"],
  },
  "infinity, which Pulumi cannot store": {
    stackFile: "BASE  defimon:pubsub:\n    ackDeadlineSeconds: .inf\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:pubsub: holds .inf or .nan, which Pulumi cannot store (JSON has no such number); quote it if it is text"],
  },
  "an alias bomb": {
    stackFile: "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nBASE  defimon:x: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: not valid YAML: document contains excessive aliasing (yaml.v3 refuses it too): an alias bomb?"],
  },
  "bytes that are not UTF-8": {
    stackFile: "BASE  defimon:labels:\n    team: caf\xe9\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: not valid YAML: not UTF-8 (byte 118); Pulumi reads YAML as UTF-8, or UTF-16 with a byte-order mark"],
  },
  "a control character": {
    stackFile: "BASE  defimon:labels:\n    team: a\u0007b\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml:6:12: not valid YAML: control characters are not allowed (U+0007)"],
  },
  "a secure value where the plan needs the value": {
    stackFile: "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west1\n  defimon:preset:\n    secure: v1:AAAA\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:preset is a secure value: the offline plan cannot decrypt it, and the stack reads defimon: keys as plain settings; set it in the clear (pulumi config set defimon:preset <value>, without --secret)"],
  },
  "a value of 100,000 characters, cut in the line": {
    stackFile: "config:\n  gcp:project: defimon-dev\n  gcp:region: europe-west1\n  defimon:preset: LONG\n",
    argv: ["--stack", "t"],
    code: 1,
    lines: ["Pulumi.t.yaml: defimon:preset = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\" (100000 characters): one of small, standard, high-load"],
  },
  "--stack with its value forgotten": {
    stackFile: "BASE",
    argv: ["--stack", "--json"],
    code: 2,
    lines: ["--stack: no value before the next option; give one (--stack=-x for a value that starts with -)"],
  },
  "--stack starting with -": {
    argv: ["--stack=-t"],
    code: 2,
    lines: ["--stack = \"-t\": starts with -, as an option does; the Pulumi CLI could not take it either: name the stack with a letter or digit first"],
  },
  "--out empty": {
    argv: ["--stack", "t", "--out", ""],
    code: 2,
    lines: ["--out = \"\": empty; name the folder for the rendered files"],
  },
  "--out -": {
    argv: ["--stack", "t", "--out", "-"],
    code: 2,
    lines: ["--out = \"-\": a folder for the rendered files, not standard output (the plan itself goes there; --json for JSON)"],
  },
  "--policy-config nested too deep": {
    argv: ["--stack", "t", "--policy", "--policy-config", "DIR/policy.json"],
    policyConfig: "DEEP",
    code: 2,
    lines: ["--policy-config DIR/policy.json: nested deeper than 10,000 levels; Pulumi's JSON reader (Go's encoding/json) refuses it too"],
  },
  "a value of 5,000 characters in an unknown option": {
    argv: ["--stack", "t", "--LONG"],
    code: 2,
    // The line is cut at 300 characters: "Unknown option '--" and 282 of the 5,000.
    lines: [`Unknown option '--${"x".repeat(282)}… (5019 characters)`],
  },
  "npm run plan --stack t, without --": {
    argv: ["t"],
    env: { npm_config_stack: "true" },
    code: 2,
    lines: ["npm kept --stack for itself (options before -- are npm's): run npm run plan -- --stack ..."],
  },
};

describe("npm run plan: bad input", () => {
  // The rows share one folder: run them in order.
  fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), base);
  it.each(Object.entries(rows))("%s", async (_case, row) => {
    if (row.stackFile !== undefined) fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), Buffer.from(row.stackFile.replace("BASE", base).replace("LONG", "x".repeat(100_000)), "latin1"));
    if (row.policyConfig !== undefined) fs.writeFileSync(path.join(dir, "policy.json"), row.policyConfig === "DEEP" ? `${"[".repeat(20_000)}${"]".repeat(20_000)}` : row.policyConfig);
    let stdout = "";
    let stderr = "";
    const argv = row.argv.map((arg) => arg.split("DIR").join(dir).replace("LONG", "x".repeat(5000)));
    const code = await planCommand(argv, { out: (text) => (stdout += text), err: (text) => (stderr += `${text}\n`) }, dir, row.env);
    const lines = stderr.trimEnd().split("\n").map((line) => line.split(dir).join("DIR"));
    expect(code).toBe(row.code);
    expect(stdout).toBe("");
    const expected = row.code === 2 ? [...row.lines, usage] : row.lines;
    expect(lines).toHaveLength(expected.length);
    expected.forEach((line, index) => (line.endsWith("…") ? expect(lines[index].startsWith(line.slice(0, -1))).toBe(true) : expect(lines[index]).toBe(line)));
  });
});

/**
 * Files the plan must not wait on: a FIFO, a folder, a link to nothing. They run in a child
 * process bounded at 60 s (a blocking read would hang it past that, where an in-process
 * test could not be stopped), in a project folder of their own.
 */
describe("npm run plan: files that are not regular files", () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-nonregular-"));
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it("refuses each at once, in one line, and never blocks", () => {
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    execFileSync("mkfifo", [path.join(project, "Pulumi.fifo.yaml"), path.join(project, "policy.json")]);
    fs.mkdirSync(path.join(project, "Pulumi.folder.yaml"));
    fs.symlinkSync(path.join(project, "gone.yaml"), path.join(project, "Pulumi.link.yaml"));
    fs.writeFileSync(path.join(project, "Pulumi.ok.yaml"), base);
    const cases = [
      ["--stack", "fifo"],
      ["--stack", "folder"],
      ["--stack", "link"],
      ["--stack", "ok", "--policy", "--policy-config", path.join(project, "policy.json")],
      ["--stack", "ok", "--policy", "--policy-config", "/dev/zero"],
    ];
    const started = Date.now();
    const child = spawnSync(process.execPath, [path.join(root, "scripts", "ts.js"), "test/helpers/planIn.ts", project, JSON.stringify(cases)], { cwd: root, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
    expect(child.error).toBeUndefined();
    expect(child.signal).toBeNull();
    expect(Date.now() - started).toBeLessThan(60_000);
    const results = JSON.parse(child.stdout).map((result: { code: number; lines: string[] }) => ({ ...result, lines: result.lines.filter((line) => line !== usage).map((line) => line.split(project).join("DIR")) }));
    expect(results).toEqual([
      { code: 1, lines: ["Pulumi.fifo.yaml: a FIFO (named pipe), not a regular file"] },
      { code: 1, lines: ["Pulumi.folder.yaml: a folder, not a regular file"] },
      { code: 1, lines: ["Pulumi.link.yaml: a link to DIR/gone.yaml, which does not exist"] },
      { code: 2, lines: ['--policy-config = "DIR/policy.json": a FIFO (named pipe), not a regular file'] },
      { code: 2, lines: ['--policy-config = "/dev/zero": a device, not a regular file'] },
    ]);
  }, 90_000);
});
