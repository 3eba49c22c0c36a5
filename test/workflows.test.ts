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
    // Every job that takes an identity names the pool that admits it (one pool per identity).
    const pairs: Record<string, string> = { GCP_PR_SERVICE_ACCOUNT: "GCP_PR", GCP_DRILL_SERVICE_ACCOUNT: "GCP_DRILL", GCP_DEV_DEPLOY_SERVICE_ACCOUNT: "GCP_DEV", GCP_PROD_DEPLOY_SERVICE_ACCOUNT: "GCP_PROD" };
    for (const file of workflowFiles) {
      for (const job of Object.values<any>(load(file).jobs)) {
        for (const step of job.steps ?? []) {
          const account = /^\$\{\{ vars\.([A-Z_]+) \}\}$/.exec(step.with?.["google-service-account"] ?? "")?.[1];
          if (step.with?.["google-service-account"]) expect([file, step.with["workload-identity-provider"]]).toEqual([file, `\${{ vars.${pairs[account!]}_WORKLOAD_IDENTITY_PROVIDER }}`]);
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
    expect(Object.keys(pr.jobs).sort()).toEqual(["checks", "plan-diff", "test-stack"]);
    expect(pr.jobs["test-stack"].needs).toBe("checks");
    expect(pr.jobs["test-stack"].if).toBe(sameRepoOnly);
    expect(load("pull-request-closed.yml").jobs["destroy-test-stack"].if).toBe(sameRepoOnly);
    // buf breaking needs the merge base with main (test/schema/breaking.test.ts): the whole history.
    expect(load("checks.yml").jobs.offline.steps[0].with).toEqual({ "fetch-depth": 0 });
    const checks = JSON.stringify(load("checks.yml"));
    expect(checks).toContain("npm test");
    expect(checks).toContain("--policy");
  });

  it("show every stack's offline plan against the base branch's, with no identity, as an artifact", () => {
    const job = load("pull-request.yml").jobs["plan-diff"];
    expect(job.permissions).toBeUndefined();
    const text = JSON.stringify(job.steps);
    expect(text).not.toContain("google-service-account");
    expect(job.steps[1].with).toEqual({ ref: "${{ github.event.pull_request.base.sha }}", path: ".base-tree" });
    const run = job.steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain('npm run -s plan -- --stack "$stack"');
    expect(run).toContain("diff -u");
    expect(job.steps.at(-1).with).toMatchObject({ name: "plan-diff", path: "${{ runner.temp }}/plan-diff" });
  });

  it("post the plans from main's code (workflow_run), reading the pull request's artifact as text only", () => {
    const comment = load("pull-request-comment.yml");
    expect(comment.on).toEqual({ workflow_run: { workflows: [load("pull-request.yml").name], types: ["completed"] } });
    const job = comment.jobs.comment;
    expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    // Nothing of the pull request's is checked out or run: no checkout, no shell step.
    expect(job.steps.map((s: any) => String(s.uses).split("@")[0])).toEqual(["actions/download-artifact", "actions/github-script"]);
    expect(job.steps[0].with).toMatchObject({ "run-id": "${{ github.event.workflow_run.id }}", name: "plan-diff" });
    const script: string = job.steps[1].with.script;
    expect(script).toContain("pull.head.sha !== run.head_sha");
    expect(script).toMatch(/\/\^\[0-9\]\{1,9\}\$\//);
    expect(script).toContain("updateComment");
  });

  it("give no job a pull request triggers a write permission but its OIDC token", () => {
    for (const file of workflowFiles.filter((f) => "pull_request" in (load(f).on ?? {}))) {
      for (const [name, job] of Object.entries<any>(load(file).jobs)) {
        const writes = Object.entries(job.permissions ?? {}).filter(([scope, level]) => level === "write" && scope !== "id-token");
        expect([file, name, writes]).toEqual([file, name, []]);
      }
    }
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
    // Inside the group, before anything else: a pull request closed meanwhile gets no stack.
    expect(upJob.steps[0].run).toContain('gh api "repos/$GITHUB_REPOSITORY/pulls/$PR_NUMBER" --jq .state');
    expect(upJob.permissions["pull-requests"]).toBe("read");
    for (const step of upJob.steps.slice(1)) expect(step.if).toBe("steps.pull-request.outputs.open == 'true'");
    expect(upJob.env.DEFIMON_TEST_PROJECT).toBe("${{ vars.GCP_TEST_PROJECT }}");
    const downJob = load("pull-request-closed.yml").jobs["destroy-test-stack"];
    expect(load("pull-request-closed.yml").on).toEqual({ pull_request: { types: ["closed"] } });
    expect(JSON.stringify(downJob.steps)).toContain("npm run stack:test -- down");
    expect(upJob.concurrency).toEqual({ group: "test-stack-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
    expect(downJob.concurrency).toEqual(upJob.concurrency);
    const cleanup = load("cleanup.yml");
    expect(cleanup.on.schedule).toHaveLength(1);
    expect(JSON.stringify(cleanup.jobs.list.steps)).toContain('npm run -s stack:test -- stale --older-than-days \\"$OLDER_THAN_DAYS\\"');
    // Each stale stack destroyed in its own pull request's group, judged stale again there.
    const destroy = cleanup.jobs.destroy;
    expect(destroy.strategy.matrix.stack).toBe("${{ fromJSON(needs.list.outputs.stacks) }}");
    expect(destroy.concurrency).toEqual({ ...upJob.concurrency, group: "test-stack-${{ matrix.stack }}" });
    expect(upJob.concurrency.group.replace("pr-${{ github.event.pull_request.number }}", "${{ matrix.stack }}")).toBe(destroy.concurrency.group);
    expect(JSON.stringify(destroy.steps)).toContain('npm run stack:test -- down \\"$STACK\\" --older-than-days \\"$OLDER_THAN_DAYS\\"');
  });

  it("drill prod's snapshots weekly on a throw-away stack, one drill at a time, with the drill's own identity, and always destroy it", () => {
    const { drillTimeoutMinutes } = require("../tools/restoreDrill") as typeof import("../tools/restoreDrill");
    const drill = load("restore-drill.yml");
    expect(drill.on.schedule).toHaveLength(1);
    expect(drill.concurrency).toEqual({ group: "restore-drill", "cancel-in-progress": false });
    expect(drill.env.DRILL_STACK).toBe("test-drill-${{ github.run_number }}");
    expect(JSON.stringify(drill.jobs.drill.steps)).toContain('npm run restore:drill -- --from prod --name \\"$DRILL_STACK\\"');
    for (const job of Object.values<any>(drill.jobs)) expect(JSON.stringify(job)).toContain("vars.GCP_DRILL_SERVICE_ACCOUNT");
    // The job outlasts the longest catch-up the drill accepts, with its deployment (60) and destroy (45).
    expect(Number(drill.on.workflow_dispatch.inputs["timeout-minutes"].default)).toBe(drillTimeoutMinutes.default);
    expect(drill.jobs.drill["timeout-minutes"]).toBeGreaterThanOrEqual(60 + drillTimeoutMinutes.max + 45);
    // Whatever happened to the drill's job (failed, timed out, cancelled): its stack is destroyed.
    expect(drill.jobs.destroy).toMatchObject({ needs: "drill", if: "always()" });
    expect(JSON.stringify(drill.jobs.destroy.steps)).toContain('npm run stack:test -- down \\"$DRILL_STACK\\"');
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

  it("give each identity only to the workflows of its use", () => {
    const uses: Record<string, string[]> = {
      GCP_PR_SERVICE_ACCOUNT: ["cleanup.yml", "pull-request-closed.yml", "pull-request.yml"],
      GCP_DRILL_SERVICE_ACCOUNT: ["restore-drill.yml"],
      GCP_DEV_DEPLOY_SERVICE_ACCOUNT: ["deploy.yml"],
      GCP_PROD_DEPLOY_SERVICE_ACCOUNT: ["deploy.yml"],
    };
    for (const [variable, files] of Object.entries(uses)) {
      expect([variable, workflowFiles.filter((f) => fs.readFileSync(path.join(workflowsDir, f), "utf8").includes(`vars.${variable}`)).sort()]).toEqual([variable, files]);
    }
    const deploy = load("deploy.yml");
    expect(deploy.jobs.dev.environment).toBe("dev");
    expect(JSON.stringify(deploy.jobs.dev)).toContain("vars.GCP_DEV_DEPLOY_SERVICE_ACCOUNT");
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

  it("pin every action by the commit of a release on Node 24, its version beside it (tools/data/ci-supply-chain.json)", () => {
    const pins = (JSON.parse(fs.readFileSync(path.join(root, "tools", "data", "ci-supply-chain.json"), "utf8")) as { actions: { action: string; version: string; sha: string; runsUsing: string }[] }).actions;
    const texts = [...workflowFiles.map((f) => path.join(workflowsDir, f)), path.join(root, ".github/actions/setup/action.yml")].map((f) => fs.readFileSync(f, "utf8"));
    const used = texts.flatMap((text) => [...text.matchAll(/^\s*(?:- )?uses: (.+)$/gm)].map((m) => m[1].trim())).filter((uses) => !uses.startsWith("./"));
    expect(used.length).toBeGreaterThan(10);
    for (const uses of used) {
      const [, action, sha, version] = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(uses) ?? [];
      const pin = pins.find((p) => p.action === action && p.sha === sha);
      expect([uses, pin?.version, pin?.runsUsing]).toEqual([uses, version ?? "(not pinned by commit with its version)", "node24"]);
    }
  });

  it("run no dependency's install script: every npm ci in CI, and npm's own setting for anyone", () => {
    const texts = [...workflowFiles.map((f) => path.join(workflowsDir, f)), path.join(root, ".github/actions/setup/action.yml")].map((f) => fs.readFileSync(f, "utf8"));
    const installs = texts.flatMap((text) => [...text.matchAll(/npm (ci|install)\b[^\n]*/g)].map((m) => m[0]));
    expect(installs.length).toBeGreaterThanOrEqual(3);
    for (const install of installs) expect([install, install.includes("--ignore-scripts")]).toEqual([install, true]);
    for (const dir of [".", "policy"]) expect(fs.readFileSync(path.join(root, dir, ".npmrc"), "utf8")).toMatch(/^ignore-scripts=true$/m);
  });

  it("document every repository variable they read (docs/ci.md)", () => {
    const readme = fs.readFileSync(path.join(root, "docs", "ci.md"), "utf8");
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
  const { atLeast, minimumPulumiCli } = require("../tools/pulumiCli") as typeof import("../tools/pulumiCli");

  it("is declared once, in Pulumi.yaml, and CI installs at least that version, checked against its pinned and published SHA-256", () => {
    const minimum = minimumPulumiCli(root);
    // 3.203.0: `config set-all --json` (stack:test's setAllConfigJson); type: object needs 3.187.0.
    expect(minimum).toBe("3.203.0");
    const cli = JSON.parse(fs.readFileSync(path.join(root, "tools", "data", "ci-supply-chain.json"), "utf8")).pulumiCli;
    expect(atLeast(cli.version, minimum)).toBe(true);
    expect(cli.archive).toBe(`https://get.pulumi.com/releases/sdk/pulumi-v${cli.version}-linux-x64.tar.gz`);
    expect(cli.checksums).toBe(`https://get.pulumi.com/releases/sdk/pulumi-${cli.version}-checksums.txt`);
    expect(cli.sha256).toMatch(/^[0-9a-f]{64}$/);
    const setup = parse(fs.readFileSync(path.join(root, ".github", "actions", "setup", "action.yml"), "utf8"));
    const steps: { run?: string; uses?: string }[] = setup.runs.steps;
    const install = steps.find((step) => step.run?.includes("pulumiCli"))!.run!;
    expect(install).toContain("sha256sum --check --strict");
    expect(install).toContain('[ "$published" = "$(pin sha256)" ]');
    expect(install).not.toMatch(/\|\s*(ba)?sh\b/);
    // Credentials last: nothing is installed after the identity is taken.
    expect(String(steps.at(-1)!.uses)).toMatch(/^google-github-actions\/auth@/);
  });

  it("compares versions numerically, so an older CLI is refused", () => {
    expect([atLeast("3.187.0", "3.187.0"), atLeast("3.1000.0", "3.187.0"), atLeast("3.186.9", "3.187.0"), atLeast("2.999.999", "3.187.0")]).toEqual([true, true, false, false]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-yaml-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nrequiredPulumiVersion: '3.x'\n");
    expect(() => minimumPulumiCli(dir)).toThrow('Pulumi.yaml: requiredPulumiVersion "3.x" is not of the form ">=X.Y.Z"');
  });
});
