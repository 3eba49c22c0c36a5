/**
 * The GitHub Actions workflows: valid by action-validator (the schema GitHub uses), and
 * holding the rules the README promises about who runs what with which permissions.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { compositeContextProblems } from "./helpers/actionSchema";

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
    expect(text).toContain("workload_identity_provider: ${{ inputs.workload-identity-provider }}");
    // Every job that takes an identity names the provider that trusts it.
    for (const file of workflowFiles) {
      for (const job of Object.values<any>(load(file).jobs)) {
        for (const step of job.steps ?? []) {
          if (step.with?.["google-service-account"]) expect(step.with["workload-identity-provider"]).toMatch(/^\$\{\{ vars\.GCP_(PROD_)?WORKLOAD_IDENTITY_PROVIDER \}\}$/);
        }
      }
    }
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

  it("preview dev with the policy pack, show prod as the offline plan, and post one comment read from files", () => {
    const steps = load("pull-request.yml").jobs.preview.steps;
    const runs = steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs).toContain("pulumi preview --stack dev --diff --policy-pack policy --non-interactive");
    expect(runs).toContain("npm run -s plan -- --stack prod --policy");
    const comment = steps.find((s: any) => String(s.uses).startsWith("actions/github-script")).with.script;
    expect(comment).toContain("updateComment");
    expect(comment).toContain("<!-- defimon-infrastructure-preview -->");
    // Read from files: an environment variable is cut at the argument limit.
    expect(comment).toContain("fs.readFileSync");
    expect(JSON.stringify(steps)).not.toMatch(/PREVIEW: \$\{\{/);
  });

  it("deploy dev on merge, then prod behind the approved production environment, each previewing with the policy pack first", () => {
    const deploy = load("deploy.yml");
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.jobs.dev.needs).toBe("checks");
    expect(deploy.jobs.prod.needs).toBe("dev");
    expect(deploy.jobs.prod.environment).toBe("production");
    for (const [stack, job] of [["dev", deploy.jobs.dev], ["prod", deploy.jobs.prod]] as const) {
      const runs: string[] = job.steps.map((s: any) => s.run ?? "");
      const preview = runs.findIndex((run) => run.startsWith(`pulumi preview --stack ${stack} `) && run.includes("--policy-pack policy"));
      const up = runs.findIndex((run) => run.startsWith(`pulumi up --stack ${stack} `));
      expect(preview).toBeGreaterThan(-1);
      expect(up).toBeGreaterThan(preview);
      expect(runs[up]).toContain("--policy-pack policy");
      expect(runs[up]).not.toContain("--skip-preview");
      expect(runs.some((run) => run === `npm run -s check:secrets-provider -- ${stack}`)).toBe(true);
    }
  });

  it("create a stack per pull request, destroy it on close (one update at a time, never cancelled midway), and sweep stale ones", () => {
    const pr = load("pull-request.yml");
    expect(pr.concurrency).toBeUndefined();
    const upJob = pr.jobs["test-stack"];
    expect(JSON.stringify(upJob.steps)).toContain('npm run stack:test -- up \\"pr-$PR_NUMBER\\" --smoke');
    const downJob = load("pull-request-closed.yml").jobs["destroy-test-stack"];
    expect(load("pull-request-closed.yml").on).toEqual({ pull_request: { types: ["closed"] } });
    expect(JSON.stringify(downJob.steps)).toContain("npm run stack:test -- down");
    expect(upJob.concurrency).toEqual({ group: "test-stack-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
    expect(downJob.concurrency).toEqual(upJob.concurrency);
    const cleanup = load("cleanup.yml");
    expect(cleanup.on.schedule).toHaveLength(1);
    expect(JSON.stringify(cleanup.jobs.sweep.steps)).toContain('npm run stack:test -- sweep --older-than-days \\"$OLDER_THAN_DAYS\\"');
  });

  it("drill prod's snapshots weekly on a throw-away stack, one drill at a time, with the test stacks' identity", () => {
    const drill = load("restore-drill.yml");
    expect(drill.on.schedule).toHaveLength(1);
    expect(drill.jobs.drill.concurrency).toEqual({ group: "restore-drill", "cancel-in-progress": false });
    expect(JSON.stringify(drill.jobs.drill.steps)).toContain('npm run restore:drill -- --from prod --name \\"test-drill-$GITHUB_RUN_NUMBER\\"');
    expect(JSON.stringify(drill.jobs.drill)).toContain("vars.GCP_TEST_STACKS_SERVICE_ACCOUNT");
  });
});

describe("identities", () => {
  const prodVars = ["GCP_PROD_DEPLOY_SERVICE_ACCOUNT", "GCP_PROD_WORKLOAD_IDENTITY_PROVIDER", "PULUMI_PROD_BACKEND_URL"];
  const jobs = workflowFiles.flatMap((file) => Object.entries<any>(load(file).jobs).map(([name, job]) => ({ file, name, job, on: load(file).on })));

  it("give prod's identity, backend and key only to the production environment's job, on pushes to main", () => {
    for (const { file, name, job, on } of jobs) {
      const text = JSON.stringify(job);
      const holdsProd = prodVars.some((variable) => text.includes(`vars.${variable}`));
      expect([file, name, holdsProd]).toEqual([file, name, job.environment === "production"]);
      if (holdsProd) expect(on).toEqual({ push: { branches: ["main"] } });
    }
  });

  it("let nothing a pull request triggers touch prod in the cloud", () => {
    for (const { file, job, on } of jobs.filter((j) => "pull_request" in (j.on ?? {}))) {
      const text = JSON.stringify(job);
      for (const variable of prodVars) expect([file, text.includes(variable)]).toEqual([file, false]);
      expect(text).not.toMatch(/pulumi (preview|up|destroy|refresh|stack|config)[^"]*prod/);
      expect(job.environment).toBeUndefined();
      expect(on).not.toHaveProperty("pull_request_target");
    }
  });

  it("never show secrets, never skip the preview, never use pulumi/actions (it reads outputs with --show-secrets)", () => {
    const text = [...workflowFiles.map((f) => fs.readFileSync(path.join(workflowsDir, f), "utf8")), fs.readFileSync(path.join(root, ".github/actions/setup/action.yml"), "utf8")].join("\n");
    expect(text).not.toContain("--show-secrets");
    expect(text).not.toContain("--skip-preview");
    expect(text).not.toContain("pulumi/actions");
  });
});

describe("workflow hygiene", () => {
  const allJobs = () => workflowFiles.flatMap((file) => Object.entries<any>(load(file).jobs).map(([name, job]) => ({ file, name, job })));

  it("bound every job that runs steps in time (the default is 6 hours, holding a lock)", () => {
    for (const { file, name, job } of allJobs()) {
      if (job.uses) continue;
      expect([file, name, typeof job["timeout-minutes"]]).toEqual([file, name, "number"]);
    }
  });

  it("paste no expression into a shell script: values reach scripts as environment variables", () => {
    const action = parse(fs.readFileSync(path.join(root, ".github/actions/setup/action.yml"), "utf8"));
    const steps = [...allJobs().flatMap(({ job }) => job.steps ?? []), ...action.runs.steps];
    for (const step of steps) if (step.run) expect(step.run).not.toContain("${{");
  });

  it("use only actions that run on Node 24", () => {
    const action = parse(fs.readFileSync(path.join(root, ".github/actions/setup/action.yml"), "utf8"));
    const used = [...allJobs().flatMap(({ job }) => job.steps ?? []), ...action.runs.steps].map((step: any) => step.uses).filter((uses: string | undefined) => uses && !uses.startsWith("./"));
    // Node 24 majors: actions/checkout#2226 (v5), actions/setup-node#1325 (v5),
    // actions/github-script#653 (v8), google-github-actions/auth#514 (v3).
    const node24 = new Set(["actions/checkout@v5", "actions/setup-node@v5", "actions/github-script@v8", "google-github-actions/auth@v3"]);
    for (const uses of used) expect([uses, node24.has(uses)]).toEqual([uses, true]);
  });

  it("document every repository variable they read", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const text = [...workflowFiles.map((f) => fs.readFileSync(path.join(workflowsDir, f), "utf8"))].join("\n");
    const variables = [...new Set([...text.matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1]))];
    for (const variable of variables) expect([variable, readme.includes(`\`${variable}\``)]).toEqual([variable, true]);
  });
});

describe("the setup action", () => {
  const action = parse(fs.readFileSync(path.join(root, ".github/actions/setup/action.yml"), "utf8"));

  it("uses only the contexts the runner allows in a composite action", () => {
    expect(compositeContextProblems(action)).toEqual([]);
  });

  it("would be refused with vars or secrets, as the runner refuses them", () => {
    const broken = JSON.parse(JSON.stringify(action));
    broken.runs.steps.find((s: any) => s.uses?.startsWith("google-github-actions/auth")).with.workload_identity_provider = "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}";
    broken.runs.steps[0].env = { TOKEN: "${{ secrets.TOKEN }}" };
    broken.runs.steps[1].if = "vars.X != ''";
    expect(compositeContextProblems(broken).sort()).toEqual(["env: secrets", "if: vars", "with: vars"]);
  });
});

describe("the Pulumi CLI version", () => {
  const { atLeast, minimumPulumiCli } = require("../lib/pulumiCli") as typeof import("../lib/pulumiCli");

  it("is declared once, in Pulumi.yaml, and CI installs at least that version", () => {
    const minimum = minimumPulumiCli(root);
    // 3.203.0: `config set-all --json` (stack:test's setAllConfigJson); type: object needs 3.187.0.
    expect(minimum).toBe("3.203.0");
    const setup = parse(fs.readFileSync(path.join(root, ".github", "actions", "setup", "action.yml"), "utf8"));
    expect(atLeast(String(setup.inputs["pulumi-version"].default), minimum)).toBe(true);
    expect(setup.runs.steps.find((step: { run?: string }) => step.run?.includes("get.pulumi.com")).run).toContain('--version "$PULUMI_VERSION"');
  });

  it("compares versions numerically, so an older CLI is refused", () => {
    expect([atLeast("3.187.0", "3.187.0"), atLeast("3.1000.0", "3.187.0"), atLeast("3.186.9", "3.187.0"), atLeast("2.999.999", "3.187.0")]).toEqual([true, true, false, false]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-yaml-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nrequiredPulumiVersion: '3.x'\n");
    expect(() => minimumPulumiCli(dir)).toThrow('Pulumi.yaml: requiredPulumiVersion "3.x" is not of the form ">=X.Y.Z"');
  });
});
