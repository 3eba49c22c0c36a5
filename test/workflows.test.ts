/**
 * The GitHub Actions workflows: valid by action-validator (the schema GitHub uses), and
 * holding the rules the README promises about who runs what with which permissions.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..");
const workflowsDir = path.join(root, ".github", "workflows");
const workflowFiles = fs.readdirSync(workflowsDir).filter((file) => file.endsWith(".yml"));
const load = (file: string) => parse(fs.readFileSync(path.join(workflowsDir, file), "utf8"));

function validate(file: string) {
  const result = spawnSync(process.execPath, [require.resolve("@action-validator/cli/cli.mjs"), file], { encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const sameRepoOnly = "github.event.pull_request.head.repo.full_name == github.repository";

describe("workflows", () => {
  it.each([...workflowFiles.map((file) => path.join(".github", "workflows", file)), ".github/actions/setup/action.yml"])("%s passes action-validator", (file) => {
    const result = validate(path.join(root, file));
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("action-validator rejects a broken workflow", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "defimon-wf-")), "bad.yml");
    fs.writeFileSync(file, "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n");
    expect(validate(file).code).not.toBe(0);
  });

  it("never hold a long-lived Google key: Workload Identity Federation only", () => {
    const text = [...workflowFiles.map((f) => fs.readFileSync(path.join(workflowsDir, f), "utf8")), fs.readFileSync(path.join(root, ".github/actions/setup/action.yml"), "utf8")].join("\n");
    expect(text).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS|secrets\.GCP/);
    expect(text).toContain("workload_identity_provider: ${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}");
  });

  it("grant nothing by default, and an OIDC token only to jobs that reach the cloud", () => {
    for (const file of workflowFiles) {
      const workflow = load(file);
      expect(workflow.permissions).toEqual({ contents: "read" });
      for (const [name, job] of Object.entries<any>(workflow.jobs)) {
        const usesCloud = JSON.stringify(job.steps ?? []).includes("google-service-account");
        expect([name, job.permissions?.["id-token"] === "write"]).toEqual([name, usesCloud]);
      }
    }
  });

  it("run the offline checks first, and give forked pull requests nothing else", () => {
    const pr = load("pull-request.yml");
    expect(pr.jobs.checks.uses).toBe("./.github/workflows/checks.yml");
    for (const job of ["preview", "test-stack"]) {
      expect(pr.jobs[job].needs).toBe("checks");
      expect(pr.jobs[job].if).toBe(sameRepoOnly);
    }
    expect(load("pull-request-closed.yml").jobs["destroy-test-stack"].if).toBe(sameRepoOnly);
    const checks = JSON.stringify(load("checks.yml"));
    expect(checks).toContain("npm test");
    expect(checks).toContain("--policy");
  });

  it("preview dev and prod with the policy pack and post one comment, edited on each push", () => {
    const steps = load("pull-request.yml").jobs.preview.steps;
    const previews = steps.filter((s: any) => s.with?.command === "preview");
    expect(previews.map((s: any) => [s.with["stack-name"], s.with.diff, s.with.policyPacks])).toEqual([
      ["dev", true, "policy"],
      ["prod", true, "policy"],
    ]);
    const comment = steps.find((s: any) => String(s.uses).startsWith("actions/github-script")).with.script;
    expect(comment).toContain("updateComment");
    expect(comment).toContain("<!-- defimon-infrastructure-preview -->");
  });

  it("deploy dev on merge, then prod behind the approved production environment", () => {
    const deploy = load("deploy.yml");
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.jobs.dev.needs).toBe("checks");
    expect(deploy.jobs.prod.needs).toBe("dev");
    expect(deploy.jobs.prod.environment).toBe("production");
    expect(deploy.jobs.prod.steps.at(-1).with).toMatchObject({ command: "up", "stack-name": "prod", policyPacks: "policy" });
  });

  it("create a stack per pull request, destroy it on close, and sweep stale ones on a schedule", () => {
    expect(JSON.stringify(load("pull-request.yml").jobs["test-stack"].steps)).toContain('npm run stack:test -- up \\"pr-${{ github.event.pull_request.number }}\\"');
    expect(load("pull-request-closed.yml").on).toEqual({ pull_request: { types: ["closed"] } });
    expect(JSON.stringify(load("pull-request-closed.yml").jobs)).toContain("npm run stack:test -- down");
    const cleanup = load("cleanup.yml");
    expect(cleanup.on.schedule).toHaveLength(1);
    expect(JSON.stringify(cleanup.jobs.sweep.steps)).toContain("npm run stack:test -- sweep --older-than-days");
  });
});

describe("the Pulumi CLI version", () => {
  const { atLeast, minimumPulumiCli } = require("../lib/pulumiCli") as typeof import("../lib/pulumiCli");

  it("is declared once, in Pulumi.yaml, and CI installs at least that version", () => {
    const minimum = minimumPulumiCli(root);
    expect(minimum).toBe("3.187.0");
    const setup = parse(fs.readFileSync(path.join(root, ".github", "actions", "setup", "action.yml"), "utf8"));
    const install = setup.runs.steps.find((step: { uses?: string }) => step.uses?.startsWith("pulumi/actions@"));
    expect(atLeast(String(install.with["pulumi-version"]), minimum)).toBe(true);
  });

  it("compares versions numerically, so an older CLI is refused", () => {
    expect([atLeast("3.187.0", "3.187.0"), atLeast("3.1000.0", "3.187.0"), atLeast("3.186.9", "3.187.0"), atLeast("2.999.999", "3.187.0")]).toEqual([true, true, false, false]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-yaml-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nrequiredPulumiVersion: '3.x'\n");
    expect(() => minimumPulumiCli(dir)).toThrow('Pulumi.yaml: requiredPulumiVersion "3.x" is not of the form ">=X.Y.Z"');
  });
});
