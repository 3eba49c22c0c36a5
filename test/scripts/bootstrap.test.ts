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

function run(script: string, args: string[], existing: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-gcloud-"));
  const log = path.join(dir, "calls.log");
  // Records argv (one call per line, arguments separated by |), and a condition file's text.
  fs.writeFileSync(
    path.join(dir, "gcloud"),
    `#!/usr/bin/env bash
printf '%s|' "$@" >> "${log}"; echo >> "${log}"
prev=""
for a in "$@"; do [ "$prev" = "--condition-from-file" ] && { echo "CONDITION $(tr '\\n' ' ' < "$a")" >> "${log}"; }; prev=$a; done
case " $* " in
  *" projects describe "*) [ "$3" = dev-proj ] && echo 111 || echo 222 ;;
  *" describe "*) exit ${existing ? 0 : 1} ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  // `date -d` is GNU-only: the scripts must not need date at all.
  fs.writeFileSync(path.join(dir, "date"), `#!/bin/sh\necho "date $*" >> "${log}"; exit 1\n`, { mode: 0o755 });
  const result = spawnSync("bash", [path.join(root, "scripts", script), ...args], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${dir}:${path.dirname(process.execPath)}:${process.env.PATH}` },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const grants = (calls: string[], member: string) => calls.filter((c) => c.includes("add-iam-policy-binding") && c.includes(`serviceAccount:${member}|`));

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

describe("scripts/bootstrap-ci.sh", () => {
  const { code, calls, stdout } = run("bootstrap-ci.sh", ["acme/defimon", "dev-proj", "prod-proj"], false);
  const preview = "defimon-ci-preview@dev-proj.iam.gserviceaccount.com";
  const tests = "defimon-ci-test-stacks@dev-proj.iam.gserviceaccount.com";
  const deployDev = "defimon-ci-deploy-dev@dev-proj.iam.gserviceaccount.com";
  const deployProd = "defimon-ci-deploy-prod@prod-proj.iam.gserviceaccount.com";
  const trusted = (email: string) =>
    calls.filter((c) => c.startsWith(`iam|service-accounts|add-iam-policy-binding|${email}|`)).map((c) => /subject\/([^|]+)\|/.exec(c)![1] + " @" + /projects\/(\d+)\//.exec(c)![1]);

  it("runs", () => {
    expect(code).toBe(0);
    expect(stdout).toContain("GCP_PROD_DEPLOY_SERVICE_ACCOUNT=" + deployProd);
  });

  it("lets each identity be used only by the job that needs it (OIDC subject)", () => {
    expect(trusted(preview)).toEqual(["repo:acme/defimon:pull_request @111"]);
    expect(trusted(tests)).toEqual(["repo:acme/defimon:pull_request @111", "repo:acme/defimon:ref:refs/heads/main @111"]);
    expect(trusted(deployDev)).toEqual(["repo:acme/defimon:environment:dev @111"]);
    // Prod's identity: only the production environment, through prod's own pool.
    expect(trusted(deployProd)).toEqual(["repo:acme/defimon:environment:production @222"]);
    expect(calls.find((c) => c.includes("providers|create-oidc") && c.includes("|prod-proj|"))).toContain("--attribute-condition|assertion.repository == 'acme/defimon' && assertion.environment == 'production'|");
  });

  it("gives prod's state and key to prod's deploy identity alone", () => {
    const onProdState = calls.filter((c) => c.includes("gs://prod-proj-pulumi-state|") && c.includes("add-iam-policy-binding"));
    expect(onProdState).toEqual([`storage|buckets|add-iam-policy-binding|gs://prod-proj-pulumi-state|--member|serviceAccount:${deployProd}|--role|roles/storage.objectAdmin|`]);
    const onProdKey = calls.filter((c) => c.startsWith("kms|keys|add-iam-policy-binding|state-prod|"));
    expect(onProdKey).toHaveLength(1);
    expect(onProdKey[0]).toContain(`serviceAccount:${deployProd}|`);
    expect(calls.filter((c) => c.includes("|prod-proj|") && c.startsWith("projects|add-iam-policy-binding")).every((c) => c.includes(deployProd))).toBe(true);
  });

  it("keeps the preview read-only: viewer roles, read-only state, decrypt-only on dev's key", () => {
    expect(grants(calls, preview).map((c) => c.split("|").slice(0, 4).join(" ") + " " + /--role\|([^|]+)/.exec(c)![1])).toEqual([
      "projects add-iam-policy-binding dev-proj --member roles/viewer",
      "projects add-iam-policy-binding dev-proj --member roles/iam.securityReviewer",
      "storage buckets add-iam-policy-binding gs://dev-proj-pulumi-state roles/storage.objectViewer",
      "kms keys add-iam-policy-binding state-dev roles/cloudkms.cryptoKeyDecrypter",
    ]);
  });

  it("lets the test-stack identity write only pr-* and test-* state and locks", () => {
    const writes = grants(calls, tests).filter((c) => c.includes("roles/storage.objectAdmin"));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain("--condition-from-file");
    const condition = calls[calls.indexOf(writes[0]) + 1];
    expect(condition).toMatch(/^CONDITION title: test-stacks-only/);
    for (const part of ["stacks/defimon/pr-", "history/defimon/test-", "locks/organization/defimon/pr-"]) expect(condition).toContain(`.pulumi/${part}`);
    expect(condition).not.toMatch(/defimon\/(dev|prod)/);
    expect(grants(calls, tests).filter((c) => c.includes("cryptoKeyEncrypterDecrypter")).map((c) => c.split("|")[3])).toEqual(["state-test"]);
  });
});
