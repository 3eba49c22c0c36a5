/**
 * `npm run plan` as a user runs it: a separate process, real stack files, exit codes.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDotenv } from "../../lib/render/dotenv";

const root = path.resolve(__dirname, "..", "..");

function plan(...args: string[]) {
  const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "scripts/plan.ts", ...args], { cwd: root, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of the project's Pulumi.yaml with one extra stack file, to plan bad config. */
function withStackFile(stack: string, text: string): string {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe("npm run plan", () => {
  it("prints one JSON document of prod: topics with the key, subscription values, IAM, rotation, the secret key", () => {
    const { code, stdout } = plan("--stack", "prod", "--json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(["stack", "project", "resources", "outputs"]);
    expect([doc.stack, doc.project]).toEqual(["prod", "defimon"]);
    const byName = (name: string) => doc.resources.find((r: any) => r.name === name);
    for (const resource of doc.resources) {
      expect(Object.keys(resource)).toEqual(expect.arrayContaining(["urn", "type", "name", "inputs", "protect", "dependsOn"]));
    }
    expect(byName("defimon-events-topic").inputs.kmsKeyName).toBe(doc.outputs.cryptoKeyId);
    expect(byName("defimon-events-subscription").inputs).toMatchObject({ ackDeadlineSeconds: 600, messageRetentionDuration: "604800s" });
    expect(byName("defimon-kms-key")).toMatchObject({ protect: true, inputs: { rotationPeriod: "7776000s" } });
    expect(byName("defimon-events-dead-letter-publisher").inputs.role).toBe("roles/pubsub.publisher");
    expect(byName("defimon-service-key").type).toBe("gcp:serviceaccount/key:Key");
    expect(doc.outputs.serviceAccountKey).toBe("[secret]");
  });

  it("prints a tree and writes the rendered .env and every file the VM boots with, with --out", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-plan-"));
    const { code, stdout } = plan("--stack", "prod", "--out", out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pulumi:pulumi:Stack defimon-prod\n├─ defimon:project:Services defimon-apis/);
    expect(stdout).toContain("serviceAccountKey: [secret]");
    expect(stdout).toMatch(/metadata=\{[^\n]*"startup-script":"<text, \d+ lines>"/);
    expect(parseDotenv(fs.readFileSync(path.join(out, ".env"), "utf8")).EVENT_STREAM_BATCH_SIZE).toBe("500");
    expect(fs.readdirSync(path.join(out, "defimon-node-vm")).sort()).toEqual([
      ".env", "docker-compose.yml", "geth.toml", "grafana-datasources.yml", "prometheus.yml", "shutdown.sh", "startup.sh",
    ]);
    expect(fs.readFileSync(path.join(out, "defimon-node-vm", "startup.sh"), "utf8")).toBe(fs.readFileSync(path.join(root, "boot", "startup.sh"), "utf8"));
  });

  it("stops on bad config with one line per problem, a non-zero exit and no JSON", () => {
    const file = withStackFile("badconfig", "config:\n  gcp:region: europe-west1\n  defimon:preset: huge\n  defimon:pubsub:\n    ackDeadlineSeconds: 5\n");
    try {
      const { code, stdout, stderr } = plan("--stack", "badconfig", "--json");
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toEqual([
        "invalid stack configuration:",
        'defimon:preset = "huge": one of small, standard, high-load',
        "defimon:pubsub.ackDeadlineSeconds = 5: an integer from 10 to 600 seconds",
      ]);
    } finally {
      fs.rmSync(file);
    }
  });

  it("evaluates the policy pack with --policy: prod passes", () => {
    const { code, stdout, stderr } = plan("--stack", "prod", "--policy");
    expect(stderr).not.toContain("policy violations");
    expect(code).toBe(0);
    expect(stdout).toContain("policy pack defimon: no violations");
  });

  it("fails --policy, listing each violation, on a protected stack whose config drops protection", () => {
    const file = withStackFile("unguarded", "config:\n  gcp:region: europe-west1\n  defimon:preset: high-load\n  defimon:protect: false\n");
    const policyConfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "defimon-policy-")), "config.json");
    fs.writeFileSync(policyConfig, JSON.stringify({ protectedStacks: ["unguarded"] }));
    try {
      const { code, stderr } = plan("--stack", "unguarded", "--json", "--policy", "--policy-config", policyConfig);
      expect(code).toBe(1);
      expect(stderr.trim().split("\n")).toEqual([
        "policy violations (3):",
        "[protected-stack-safeguards] defimon-kms-key: CryptoKey defimon-kms-key is not protected on a protected stack",
        "[protected-stack-safeguards] defimon-kms-key-ring: KeyRing defimon-kms-key-ring is not protected on a protected stack",
        "[protected-stack-safeguards] defimon-node-vm: VM defimon-node-vm has no deletion protection on a protected stack",
      ]);
    } finally {
      fs.rmSync(file);
    }
  });

  it("names the stacks there are for an unknown one, and explains its arguments", () => {
    const missing = plan("--stack", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no stack file Pulumi.nope.yaml");
    expect(missing.stderr).toContain("stacks here: dev, prod");
    const noStack = plan();
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain("usage: npm run plan -- --stack <name>");
  });
});
