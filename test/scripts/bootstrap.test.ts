/**
 * The bootstrap scripts, run for real against a stand-in `gcloud` that records each call
 * (and answers `describe` as "missing" or "exists"): what they grant to whom, checked on
 * the calls themselves. The Google side (that the bindings work) needs a cloud.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

function run(script: string, args: string[], existing: boolean, env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-gcloud-"));
  const log = path.join(dir, "calls.log");
  // Records argv (one call per line, arguments separated by |, a | inside one as ¦), and a condition file's text.
  fs.writeFileSync(
    path.join(dir, "gcloud"),
    `#!/usr/bin/env bash
for a in "$@"; do printf '%s|' "\${a//|/¦}"; done >> "${log}"; echo >> "${log}"
prev=""
for a in "$@"; do [ "$prev" = "--condition-from-file" ] && { echo "CONDITION $(tr '\\n' ' ' < "$a")" >> "${log}"; }; prev=$a; done
case " $* " in
  *" projects describe "*) case "$3" in dev-proj) echo 111 ;; prod-proj) echo 222 ;; *) echo 333 ;; esac ;;
  *" describe "*) exit ${existing ? 0 : 1} ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  // GitHub's answer for the repository's and its owner's ids (gh api repos/OWNER/REPO).
  fs.writeFileSync(path.join(dir, "gh"), `#!/bin/sh\necho "gh $*" >> "${log}"\n[ "$2" = repos/acme/defimon ] && echo "123456 654321"\n`, { mode: 0o755 });
  // `date -d` is GNU-only: the scripts must not need date at all.
  fs.writeFileSync(path.join(dir, "date"), `#!/bin/sh\necho "date $*" >> "${log}"; exit 1\n`, { mode: 0o755 });
  const result = spawnSync("bash", [path.join(root, "scripts", script), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env, PATH: `${dir}:${path.dirname(process.execPath)}:${process.env.PATH}` },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

describe("scripts/bootstrap-state.sh", () => {
  it("creates a versioned, uniform-access, never-public bucket and a rotating key, computing the rotation time without GNU date", () => {
    const { code, calls } = run("bootstrap-state.sh", ["p1", "europe-west1", "state-dev"], false);
    expect(code).toBe(0);
    expect(calls).toContain("storage|buckets|create|gs://p1-pulumi-state|--project|p1|--location|europe-west1|--uniform-bucket-level-access|--public-access-prevention|");
    const create = calls.find((c) => c.startsWith("kms|keys|create|state-dev|"))!;
    const next = /--next-rotation-time\|([^|]+)\|/.exec(create)![1];
    expect(next).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const days = (Date.parse(next) - Date.now()) / 86400e3;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    expect(calls.some((c) => c.startsWith("date "))).toBe(false);
  });

  it("enforces uniform access, public-access prevention and versioning on a bucket that already exists", () => {
    const { code, calls } = run("bootstrap-state.sh", ["p1"], true);
    expect(code).toBe(0);
    expect(calls.some((c) => c.startsWith("storage|buckets|create"))).toBe(false);
    expect(calls).toContain("storage|buckets|update|gs://p1-pulumi-state|--project|p1|--uniform-bucket-level-access|--public-access-prevention|--versioning|");
  });
});


/** The CEL conditions evaluated by an implementation of google/cel-spec (test/helpers/cel.mjs). */
function cel(cases: { expression: string; context: Record<string, unknown> }[]): (boolean | { error: string })[] {
  const result = spawnSync(process.execPath, [path.join(root, "test", "helpers", "cel.mjs")], { input: JSON.stringify(cases), encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe("scripts/bootstrap-ci.sh", () => {
  const projects = { "dev-proj": "<dev>", "prod-proj": "<prod>", "test-proj": "<test>" } as Record<string, string>;
  const numbers: Record<string, string> = { "dev-proj": "111", "prod-proj": "222", "test-proj": "333" };
  const { code, calls, stdout, stderr } = run("bootstrap-ci.sh", ["acme/defimon", "dev-proj", "prod-proj", "test-proj"], false);
  const arg = (call: string, flag: string) => call.split("|")[call.split("|").indexOf(flag) + 1].replace(/¦/g, "|");
  const conditionOf = (call: string) => (call.includes("--condition-from-file") ? calls[calls.indexOf(call) + 1].replace(/^CONDITION /, "") : undefined);

  // The pools, as the providers were given them: project, pool, condition.
  const pools = calls
    .filter((c) => /^iam\|workload-identity-pools\|providers\|(create|update)-oidc\|/.test(c))
    .map((c) => ({ project: arg(c, "--project"), pool: arg(c, "--workload-identity-pool"), condition: arg(c, "--attribute-condition"), mapping: arg(c, "--attribute-mapping") }));
  const accounts = calls.filter((c) => c.startsWith("iam|service-accounts|create|")).map((c) => `${c.split("|")[3]}@${arg(c, "--project")}.iam.gserviceaccount.com`);
  // Who may impersonate each account: the pool its workloadIdentityUser binding names.
  const poolOf = (email: string) =>
    calls
      .filter((c) => c.startsWith(`iam|service-accounts|add-iam-policy-binding|${email}|`) && arg(c, "--role") === "roles/iam.workloadIdentityUser")
      .map((c) => /^principalSet:\/\/iam\.googleapis\.com\/projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/attribute\.repository_id\/(\d+)$/.exec(arg(c, "--member"))!)
      .map(([, number, pool, repositoryId]) => ({ project: Object.keys(numbers).find((p) => numbers[p] === number)!, pool, repositoryId }));

  // Every grant, as scope, role and condition title.
  const grantsOf = (email: string) =>
    calls
      .filter((c) => c.includes("add-iam-policy-binding") && c.includes(`|serviceAccount:${email}|`))
      .map((c) => {
        const parts = c.split("|");
        const [group, target] = [parts[0], parts[0] === "projects" ? parts[2] : parts[3]];
        const scope = group === "projects" ? `project ${target}` : group === "storage" ? `bucket ${target.replace("gs://", "")}` : `key ${target}`;
        const condition = conditionOf(c);
        return { scope, role: arg(c, "--role"), condition: condition && /title: (\S+)/.exec(condition)![1], expression: condition && /expression: >- (.*)$/.exec(condition)![1].trim() };
      });

  // Sample OIDC tokens (GitHub's claims), and which of them each identity admits.
  const base = { repository: "acme/defimon", repository_id: "123456", repository_owner_id: "654321" };
  const onMain = (workflow: string) => ({ ref: "refs/heads/main", workflow_ref: `acme/defimon/.github/workflows/${workflow}@refs/heads/main` });
  const tokens: Record<string, Record<string, string>> = {
    "a pull request": { ...base, event_name: "pull_request", ref: "refs/pull/7/merge", workflow_ref: "acme/defimon/.github/workflows/pull-request.yml@refs/pull/7/merge" },
    "a pull request after the repository was renamed": { ...base, repository: "acme/renamed", event_name: "pull_request", ref: "refs/pull/7/merge", workflow_ref: "acme/renamed/.github/workflows/x.yml@refs/pull/7/merge" },
    "a pull request of another repository named the same": { ...base, repository_id: "999", event_name: "pull_request", ref: "refs/pull/7/merge", workflow_ref: "acme/defimon/.github/workflows/pull-request.yml@refs/pull/7/merge" },
    "pull_request_target": { ...base, event_name: "pull_request_target", ref: "refs/heads/main", workflow_ref: "acme/defimon/.github/workflows/x.yml@refs/heads/main" },
    "the sweep (cleanup.yml on main, scheduled)": { ...base, event_name: "schedule", ...onMain("cleanup.yml") },
    "the drill (restore-drill.yml on main, scheduled)": { ...base, event_name: "schedule", ...onMain("restore-drill.yml") },
    "the drill dispatched on a branch": { ...base, event_name: "workflow_dispatch", ref: "refs/heads/x", workflow_ref: "acme/defimon/.github/workflows/restore-drill.yml@refs/heads/x" },
    "deploy.yml on main, environment dev": { ...base, event_name: "push", environment: "dev", ...onMain("deploy.yml") },
    "a branch naming environment dev": { ...base, event_name: "push", environment: "dev", ref: "refs/heads/x", workflow_ref: "acme/defimon/.github/workflows/deploy.yml@refs/heads/x" },
    "another workflow on main, environment production": { ...base, event_name: "push", environment: "production", ...onMain("other.yml") },
    "deploy.yml on main, environment production": { ...base, event_name: "push", environment: "production", ...onMain("deploy.yml") },
  };
  const identities = ["defimon-ci-pull-requests@dev-proj", "defimon-ci-drill@dev-proj", "defimon-ci-deploy-dev@dev-proj", "defimon-ci-deploy-prod@prod-proj"].map((e) => `${e}.iam.gserviceaccount.com`);
  const admits = (email: string): string[] => {
    const [binding] = poolOf(email);
    const pool = pools.find((p) => p.project === binding.project && p.pool === binding.pool)!;
    const names = Object.keys(tokens);
    const results = cel(names.map((name) => ({ expression: pool.condition, context: { assertion: tokens[name] } })));
    // The binding's member: the repository's id as the pool maps it.
    return names.filter((name, i) => results[i] === true && tokens[name].repository_id === binding.repositoryId);
  };

  it("runs, taking the repository's ids from GitHub", () => {
    expect([code, stderr]).toEqual([0, expect.any(String)]);
    expect(calls).toContain("gh api repos/acme/defimon --jq \"\\(.id) \\(.owner.id)\"");
    expect(stdout).toContain("GCP_PROD_DEPLOY_SERVICE_ACCOUNT=defimon-ci-deploy-prod@prod-proj.iam.gserviceaccount.com");
    expect(accounts.sort()).toEqual([...identities].sort());
  });

  it("gives each identity to exactly the jobs of its use, by immutable ids, event, ref, workflow file and environment", () => {
    expect(Object.fromEntries(identities.map((email) => [email.split("@")[0], admits(email)]))).toEqual({
      "defimon-ci-pull-requests": ["a pull request", "a pull request after the repository was renamed", "the sweep (cleanup.yml on main, scheduled)"],
      "defimon-ci-drill": ["the drill (restore-drill.yml on main, scheduled)"],
      "defimon-ci-deploy-dev": ["deploy.yml on main, environment dev"],
      "defimon-ci-deploy-prod": ["deploy.yml on main, environment production"],
    });
    // One pool per identity, and every pool maps the claims its bindings use.
    expect(new Set(identities.map((email) => JSON.stringify(poolOf(email)))).size).toBe(identities.length);
    for (const pool of pools) expect(pool.mapping).toContain("attribute.repository_id=assertion.repository_id");
  });

  it("refuses, as Google does, a token without the claim a condition reads (an erring condition admits nothing)", () => {
    const prod = pools.find((p) => p.project === "prod-proj")!;
    const { environment: _environment, ...noEnvironment } = tokens["deploy.yml on main, environment production"];
    expect(cel([{ expression: prod.condition, context: { assertion: noEnvironment } }])).toEqual([{ error: expect.stringContaining("environment") }]);
  });

  const reach = (email: string) => grantsOf(email).map((g) => `${g.scope.replace(/(dev|prod|test)-proj/g, (p) => projects[p])}: ${g.role.replace(/^projects\/[^/]+\/roles\//, "custom ")}${g.condition ? ` if ${g.condition}` : ""}`);
  const deployRoles = (project: string) => [
    ...["serviceusage.serviceUsageAdmin", "pubsub.admin", "cloudkms.admin", "iam.serviceAccountAdmin", "iam.serviceAccountUser", "compute.instanceAdmin.v1", "compute.networkAdmin", "compute.securityAdmin", "compute.storageAdmin", "secretmanager.admin", "monitoring.editor", "bigquery.admin"].map((r) => `project ${project}: roles/${r}`),
    `project ${project}: roles/resourcemanager.projectIamAdmin if stack-project-grants-only`,
  ];

  it("lets pull requests reach the test project and their own state key, nothing of dev or prod", () => {
    const pr = identities[0];
    expect(reach(pr)).toEqual([...deployRoles("<test>"), "bucket <test>-pulumi-state: roles/storage.objectAdmin", "key state-test: roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
    // Outside the test project: the test stacks' key alone, which encrypts nothing else.
    const outside = grantsOf(pr).filter((g) => !g.scope.includes("test-proj"));
    expect(outside.map((g) => `${g.scope} ${g.role}`)).toEqual(["key state-test roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
    const keysUsers = calls.filter((c) => c.startsWith("kms|keys|add-iam-policy-binding|state-test|"));
    expect(keysUsers.map((c) => arg(c, "--member"))).toEqual([`serviceAccount:${pr}`]);
  });

  it("keeps the test project for pull requests alone: no account, pool, key or role of anything else, nobody else granted there", () => {
    const inTest = calls.filter((c) => c.includes("|test-proj|") || c.includes("gs://test-proj-"));
    expect(inTest.filter((c) => /\|create(-oidc)?\|/.test(c) && !c.startsWith("storage|buckets|create|"))).toEqual([]);
    expect(inTest.filter((c) => c.includes("add-iam-policy-binding")).every((c) => c.includes(`|serviceAccount:${identities[0]}|`))).toBe(true);
    // The account pull requests obtain lives where it holds nothing: its own admin roles never reach it.
    expect(grantsOf(identities[0]).some((g) => g.scope.includes("dev-proj") && g.scope.startsWith("project"))).toBe(false);
  });

  it("lets the project IAM admin role grant the host's two writer roles and nothing else", () => {
    const grants = grantsOf(identities[0]).filter((g) => g.role === "roles/resourcemanager.projectIamAdmin");
    expect(grants.map((g) => g.expression)).toEqual(["api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/logging.logWriter', 'roles/monitoring.metricWriter'])"]);
  });

  it("lets the drill write only its own stacks' state and use only prod's chain snapshots", () => {
    const drill = identities[1];
    expect(reach(drill)).toEqual([
      ...deployRoles("<dev>"),
      "bucket <dev>-pulumi-state: roles/storage.objectViewer",
      "bucket <dev>-pulumi-state: roles/storage.objectAdmin if drill-stacks-only",
      "key state-drill: roles/cloudkms.cryptoKeyEncrypterDecrypter",
      "project <prod>: custom defimonDrillSnapshotLister",
      "project <prod>: custom defimonDrillSnapshotReader if chain-snapshots-only",
    ]);
    const state = grantsOf(drill).find((g) => g.condition === "drill-stacks-only")!.expression!;
    const objects = [".pulumi/stacks/defimon/test-drill-12.json", ".pulumi/locks/organization/defimon/test-drill-12/x.json", ".pulumi/stacks/defimon/dev.json", ".pulumi/stacks/defimon/test-alice.json"];
    expect(cel(objects.map((o) => ({ expression: state, context: { resource: { name: `projects/_/buckets/dev-proj-pulumi-state/objects/${o}` } } })))).toEqual([true, true, false, false]);
    const snapshots = grantsOf(drill).find((g) => g.condition === "chain-snapshots-only")!.expression!;
    const names = ["defimon-node-data-europe-west1-b-20261201", "grafana-backup"].map((n) => ({ expression: snapshots, context: { resource: { type: "compute.googleapis.com/Snapshot", name: `projects/prod-proj/global/snapshots/${n}` } } }));
    expect(cel(names)).toEqual([true, false]);
    const roles = calls.filter((c) => c.startsWith("iam|roles|create|"));
    expect(roles.map((c) => `${c.split("|")[3]} ${arg(c, "--permissions")}`)).toEqual(["defimonDrillSnapshotLister compute.snapshots.list", "defimonDrillSnapshotReader compute.snapshots.get,compute.snapshots.useReadOnly"]);
  });

  it("gives dev's and prod's state and keys to their deploy identities alone", () => {
    expect(reach(identities[2])).toEqual([...deployRoles("<dev>"), "bucket <dev>-pulumi-state: roles/storage.objectAdmin", "key state-dev: roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
    expect(reach(identities[3])).toEqual([...deployRoles("<prod>"), "bucket <prod>-pulumi-state: roles/storage.objectAdmin", "key state-prod: roles/cloudkms.cryptoKeyEncrypterDecrypter"]);
    const onProdState = calls.filter((c) => (c.includes("gs://prod-proj-pulumi-state|") || c.startsWith("kms|keys|add-iam-policy-binding|state-prod|")) && c.includes("add-iam-policy-binding"));
    expect(onProdState.every((c) => c.includes(`|serviceAccount:${identities[3]}|`))).toBe(true);
    const devStateWriters = calls.filter((c) => c.includes("gs://dev-proj-pulumi-state|") && arg(c, "--role") === "roles/storage.objectAdmin" && !conditionOf(c));
    expect(devStateWriters.map((c) => arg(c, "--member"))).toEqual([`serviceAccount:${identities[2]}`]);
  });

  it("matches the identity table in docs/ci.md", () => {
    const readme = fs.readFileSync(path.join(root, "docs", "ci.md"), "utf8");
    const table = /<!-- identities: test\/scripts\/bootstrap\.test\.ts -->\n([\s\S]*?)\n<!-- \/identities -->/.exec(readme)?.[1];
    const rows = identities.map((email) => {
      const grants = reach(email).join("; ").replace(deployRoles(email.includes("prod-proj") ? "<prod>" : email.includes("pull-requests") ? "<test>" : "<dev>").join("; "), `the deploy roles on ${email.includes("prod-proj") ? "<prod>" : email.includes("pull-requests") ? "<test>" : "<dev>"}`);
      return `| \`${email.split("@")[0]}\` (${projects[email.split("@")[1].split(".")[0]]}) | ${admits(email).join("; ")} | ${grants} |`;
    });
    expect(table?.split("\n").slice(2)).toEqual(rows);
  });

  it("deletes the previous layout's accounts (preview, test stacks) and enforces the providers' conditions again", () => {
    const again = run("bootstrap-ci.sh", ["acme/defimon", "dev-proj", "prod-proj", "test-proj"], true, { GITHUB_REPOSITORY_ID: "123456", GITHUB_REPOSITORY_OWNER_ID: "654321" });
    expect(again.code).toBe(0);
    expect(again.calls.filter((c) => c.startsWith("iam|service-accounts|delete|")).map((c) => c.split("|")[3])).toEqual(["defimon-ci-preview@dev-proj.iam.gserviceaccount.com", "defimon-ci-test-stacks@dev-proj.iam.gserviceaccount.com"]);
    expect(again.calls.filter((c) => c.includes("|providers|create-oidc|"))).toEqual([]);
    expect(again.calls.filter((c) => c.includes("|providers|update-oidc|"))).toHaveLength(4);
    expect(again.calls.filter((c) => c.startsWith("iam|roles|update|"))).toHaveLength(2);
    expect(again.calls.some((c) => c.startsWith("gh "))).toBe(false);
  });

  it("refuses one project for two uses, and ids that are not numbers", () => {
    expect(run("bootstrap-ci.sh", ["acme/defimon", "dev-proj", "prod-proj", "dev-proj"], false).code).toBe(2);
    const bad = run("bootstrap-ci.sh", ["acme/defimon", "dev-proj", "prod-proj", "test-proj"], false, { GITHUB_REPOSITORY_ID: "12x", GITHUB_REPOSITORY_OWNER_ID: "1" });
    expect([bad.code, bad.calls.filter((c) => !c.startsWith("gh "))]).toEqual([2, []]);
  });
});
