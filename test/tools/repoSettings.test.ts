/**
 * The repository settings check: GitHub's answers (shaped as its REST reference documents
 * them) judged, and the command run against a stand-in `gh` serving those answers.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Answers, judgeRepoSettings, settingPaths, settingsReport } from "../../tools/repoSettings";

const root = path.resolve(__dirname, "..", "..");
const repo = "acme/defimon";
const mainOnly = { body: { total_count: 1, branch_policies: [{ id: 1, name: "main", type: "branch" }] } };
const environment = (reviewers: boolean, selfReview: boolean) => ({
  body: {
    name: "x",
    protection_rules: reviewers ? [{ id: 3, type: "required_reviewers", prevent_self_review: !selfReview, reviewers: [{ type: "Team", reviewer: { slug: "platform-admins" } }] }] : [],
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  },
});
const good = (): Answers => ({
  [`repos/${repo}`]: { body: { private: true } },
  [`repos/${repo}/actions/permissions/workflow`]: { body: { default_workflow_permissions: "read", can_approve_pull_request_reviews: false } },
  [`repos/${repo}/actions/permissions/fork-pr-workflows-private-repos`]: { body: { run_workflows_from_fork_pull_requests: true, send_write_tokens_to_workflows: false, send_secrets_and_variables: false, require_approval_for_fork_pr_workflows: true } },
  [`repos/${repo}/environments/production`]: environment(true, false),
  [`repos/${repo}/environments/production/deployment-branch-policies`]: mainOnly,
  [`repos/${repo}/environments/dev`]: environment(false, false),
  [`repos/${repo}/environments/dev/deployment-branch-policies`]: mainOnly,
  [`repos/${repo}/rules/branches/main`]: { body: [{ type: "deletion" }, { type: "non_fast_forward" }, { type: "pull_request", parameters: { required_approving_review_count: 1, require_code_owner_review: true } }] },
  [`repos/${repo}/branches/main/protection`]: { status: 404 },
  [`repos/${repo}/codeowners/errors`]: { body: { errors: [] } },
});

describe("the repository settings check", () => {
  it("passes a repository set as the README asks", () => {
    const report = settingsReport(judgeRepoSettings(repo, good()));
    expect(report.ok).toBe(true);
    expect(report.lines).toHaveLength(8);
  });

  it("names each setting that does not hold, and what to change", () => {
    const answers = good();
    answers[`repos/${repo}/actions/permissions/workflow`] = { body: { default_workflow_permissions: "write", can_approve_pull_request_reviews: true } };
    answers[`repos/${repo}/environments/production`] = environment(true, true);
    answers[`repos/${repo}/environments/dev/deployment-branch-policies`] = { body: { total_count: 2, branch_policies: [{ name: "main", type: "branch" }, { name: "*", type: "branch" }] } };
    answers[`repos/${repo}/rules/branches/main`] = { body: [{ type: "pull_request", parameters: { required_approving_review_count: 1, require_code_owner_review: false } }] };
    answers[`repos/${repo}/codeowners/errors`] = { body: { errors: [{ line: 3, message: "Unknown owner on line 3: make sure @defimon/platform-admins exists\n\n  /.github/ @x" }] } };
    answers[`repos/${repo}/actions/permissions/fork-pr-workflows-private-repos`] = { body: { send_write_tokens_to_workflows: true, send_secrets_and_variables: false } };
    const { lines, ok } = settingsReport(judgeRepoSettings(repo, answers));
    expect(ok).toBe(false);
    expect(lines.filter((l) => !l.startsWith("ok"))).toEqual([
      "NOT SET Actions: default workflow permissions read-only: Settings, Actions, General: Workflow permissions: 'Read repository contents and packages permissions'",
      "NOT SET Actions: may not create or approve pull requests: Settings, Actions, General: clear 'Allow GitHub Actions to create and approve pull requests'",
      "NOT SET environment production: required reviewers, no self-review: tick 'Prevent self-review'",
      "NOT SET environment dev: deploys from main only: deployment branches are branch:main, branch:*; main alone is wanted",
      "NOT SET branch main: pull requests with a code owner's approval, no force push, no deletion: a ruleset (or branch protection) on main: require a pull request, 1 approval, review from code owners; block force pushes and deletion",
      "NOT SET CODEOWNERS: valid: 1 error(s): line 3: Unknown owner on line 3: make sure @defimon/platform-admins exists",
      "NOT SET fork pull requests: no write tokens, no secrets or variables: clear 'Send write tokens to workflows from pull requests' and 'Send secrets and variables to workflows from pull requests'",
    ]);
  });

  it("accepts classic branch protection in place of a ruleset, and says so when a setting cannot be read", () => {
    const answers = good();
    answers[`repos/${repo}/rules/branches/main`] = { body: [] };
    answers[`repos/${repo}/branches/main/protection`] = { body: { required_pull_request_reviews: { require_code_owner_reviews: true, required_approving_review_count: 2 }, allow_force_pushes: { enabled: false }, allow_deletions: { enabled: false } } };
    answers[`repos/${repo}/environments/production`] = { status: 403 };
    const settings = judgeRepoSettings(repo, answers);
    expect(settings.find((s) => s.name.startsWith("branch main"))!.state).toBe("ok");
    expect(settings.filter((s) => s.state === "UNKNOWN").map((s) => s.name)).toEqual(["environment production: required reviewers, no self-review", "environment production: deploys from main only"]);
    // A public repository never sends fork pull requests write tokens: not asked.
    answers[`repos/${repo}`] = { body: { private: false } };
    expect(judgeRepoSettings(repo, answers).some((s) => s.name.startsWith("fork"))).toBe(false);
  });

  it("runs against GitHub's answers through gh (a stand-in serving them), exit 1 while one does not hold", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-gh-"));
    const answers = good();
    answers[`repos/${repo}/environments/dev`] = { status: 404 };
    fs.writeFileSync(path.join(dir, "answers.json"), JSON.stringify(answers));
    fs.writeFileSync(
      path.join(dir, "gh"),
      `#!/usr/bin/env node
const a = require(${JSON.stringify(path.join(dir, "answers.json"))})[process.argv[3]];
if (a && a.body !== undefined) { process.stdout.write(JSON.stringify(a.body)); process.exit(0); }
process.stderr.write("gh: Not Found (HTTP " + (a ? a.status : 404) + ")\\n"); process.exit(1);
`,
      { mode: 0o755 },
    );
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, "scripts", "ts.js"), "scripts/checkRepoSettings.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${dir}:${path.dirname(process.execPath)}:${process.env.PATH}` } });
    const result = run(repo);
    expect(result.status).toBe(1);
    expect(result.stdout.split("\n").filter((l) => l.startsWith("NOT SET"))).toEqual(["NOT SET environment dev: deploys from main only: the environment does not exist"]);
    expect(settingPaths(repo).length).toBe(Object.keys(answers).length);
    const bad = run("not a repo");
    expect([bad.status, bad.stderr.split("\n")[0]]).toEqual([2, 'OWNER/REPO = "not a repo": one repository, as owner/name']);
  });
});
