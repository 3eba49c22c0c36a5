/**
 * The GitHub repository settings the delivery pipeline relies on (docs/ci.md,
 * Repository settings), judged from the REST API's answers. Pure: scripts/checkRepoSettings.ts
 * asks `gh api`; the tests hand it answers shaped as GitHub documents them.
 */

/** What `gh api PATH` gave: the parsed body, or the HTTP status it failed with. */
export type Answer = { body: any } | { status: number };
export type Answers = Record<string, Answer>;

export interface Setting {
  /** The setting as docs/ci.md names it. */
  name: string;
  /** "ok", "NOT SET" (what to change), or "UNKNOWN" (the token could not read it). */
  state: "ok" | "NOT SET" | "UNKNOWN";
  detail?: string;
}

/** The API paths to ask, for OWNER/REPO. */
export function settingPaths(repo: string): string[] {
  return [
    `repos/${repo}`,
    `repos/${repo}/actions/permissions/workflow`,
    `repos/${repo}/actions/permissions/fork-pr-workflows-private-repos`,
    `repos/${repo}/environments/production`,
    `repos/${repo}/environments/production/deployment-branch-policies`,
    `repos/${repo}/environments/dev`,
    `repos/${repo}/environments/dev/deployment-branch-policies`,
    `repos/${repo}/rules/branches/main`,
    `repos/${repo}/branches/main/protection`,
    `repos/${repo}/codeowners/errors`,
  ];
}

const body = (answer: Answer | undefined) => (answer && "body" in answer ? answer.body : undefined);
const unreadable = (answer: Answer | undefined) => !answer || ("status" in answer && answer.status !== 404);

function judge(name: string, answers: Answer[], holds: () => string | undefined): Setting {
  if (answers.some(unreadable)) return { name, state: "UNKNOWN", detail: "the token cannot read it (an admin's token can)" };
  const missing = holds();
  return missing ? { name, state: "NOT SET", detail: missing } : { name, state: "ok" };
}

/** Deployment branches of an environment limited to main, and nothing else. */
function mainOnly(environment: Answer, policies: Answer): string | undefined {
  const policy = body(environment)?.deployment_branch_policy;
  if (!body(environment)) return "the environment does not exist";
  if (!policy?.custom_branch_policies) return "deployment branches: choose 'Selected branches and tags' with main alone";
  const names = (body(policies)?.branch_policies ?? []).map((p: { name: string; type?: string }) => `${p.type ?? "branch"}:${p.name}`);
  return names.length === 1 && names[0] === "branch:main" ? undefined : `deployment branches are ${names.join(", ") || "none"}; main alone is wanted`;
}

/** Every setting, in docs/ci.md's order. */
export function judgeRepoSettings(repo: string, answers: Answers): Setting[] {
  const [repository, workflow, forks, production, productionBranches, dev, devBranches, rules, protection, codeowners] = settingPaths(repo).map((p) => answers[p]);
  const settings: Setting[] = [
    judge("Actions: default workflow permissions read-only", [workflow], () => (body(workflow)?.default_workflow_permissions === "read" ? undefined : "Settings, Actions, General: Workflow permissions: 'Read repository contents and packages permissions'")),
    judge("Actions: may not create or approve pull requests", [workflow], () => (body(workflow)?.can_approve_pull_request_reviews === false ? undefined : "Settings, Actions, General: clear 'Allow GitHub Actions to create and approve pull requests'")),
    judge("environment production: required reviewers, no self-review", [production], () => {
      const rule = (body(production)?.protection_rules ?? []).find((r: { type: string }) => r.type === "required_reviewers");
      if (!body(production)) return "create the environment 'production'";
      if (!rule?.reviewers?.length) return "add required reviewers (public repositories, or GitHub Enterprise for private ones)";
      return rule.prevent_self_review === true ? undefined : "tick 'Prevent self-review'";
    }),
    judge("environment production: deploys from main only", [production, productionBranches], () => mainOnly(production, productionBranches)),
    judge("environment dev: deploys from main only", [dev, devBranches], () => mainOnly(dev, devBranches)),
    judge("branch main: pull requests with a code owner's approval, no force push, no deletion", [rules, protection], () => {
      const ruleset = Array.isArray(body(rules)) ? (body(rules) as { type: string; parameters?: any }[]) : [];
      const review = ruleset.find((r) => r.type === "pull_request")?.parameters;
      const byRuleset = review?.require_code_owner_review === true && review.required_approving_review_count >= 1 && ["non_fast_forward", "deletion"].every((t) => ruleset.some((r) => r.type === t));
      const classic = body(protection);
      const byProtection =
        classic?.required_pull_request_reviews?.require_code_owner_reviews === true &&
        classic.required_pull_request_reviews.required_approving_review_count >= 1 &&
        classic.allow_force_pushes?.enabled === false &&
        classic.allow_deletions?.enabled === false;
      return byRuleset || byProtection ? undefined : "a ruleset (or branch protection) on main: require a pull request, 1 approval, review from code owners; block force pushes and deletion";
    }),
    judge("CODEOWNERS: valid", [codeowners], () => {
      const errors = body(codeowners)?.errors;
      if (!Array.isArray(errors)) return "no CODEOWNERS file GitHub reads";
      return errors.length ? `${errors.length} error(s): ${errors.map((e: { message?: string; line?: number }) => `line ${e.line}: ${String(e.message ?? "").split("\n")[0]}`).join("; ")}` : undefined;
    }),
  ];
  // Private repositories only: public ones never send fork pull requests write tokens or secrets.
  if (body(repository)?.private !== false) {
    settings.push(
      judge("fork pull requests: no write tokens, no secrets or variables", [repository, forks], () => {
        const fork = body(forks);
        if (!fork) return "Settings, Actions, General: Fork pull request workflows: clear 'Send write tokens' and 'Send secrets and variables'";
        return fork.send_write_tokens_to_workflows === false && fork.send_secrets_and_variables === false ? undefined : "clear 'Send write tokens to workflows from pull requests' and 'Send secrets and variables to workflows from pull requests'";
      }),
    );
  }
  return settings;
}

/** The report: one line per setting, and whether all hold. */
export function settingsReport(settings: Setting[]): { lines: string[]; ok: boolean } {
  return {
    lines: settings.map((s) => `${s.state.padEnd(7)} ${s.name}${s.detail ? `: ${s.detail}` : ""}`),
    ok: settings.every((s) => s.state === "ok"),
  };
}
