#!/usr/bin/env bash
# The identities the GitHub workflows use: one per use, each with its own Workload Identity
# pool whose condition admits only the jobs of that use (by the repository's and owner's
# immutable ids, and by event, ref, workflow file and environment), each with only what
# that use needs. Run once, as an owner of the three projects; idempotent (conditions and
# custom roles are enforced again on every run). docs/ci.md explains the design
# and shows the table test/scripts/bootstrap.test.ts checks against these calls.
#
#   scripts/bootstrap-ci.sh OWNER/REPO DEV_PROJECT PROD_PROJECT TEST_PROJECT [LOCATION]
#
#   TEST_PROJECT  pull requests' throw-away stacks and nothing else: their state bucket.
#                 Pull-request code holds roles here and nowhere else (bar its state key).
#   DEV_PROJECT   dev and the restore drill's stacks: state bucket; keys state-dev,
#                 state-drill, state-test; the accounts defimon-ci-deploy-dev (pool github),
#                 defimon-ci-drill (pool github-drill) and defimon-ci-pull-requests (pool
#                 github-pr; its account lives here, where it holds nothing, so that the
#                 roles it holds on TEST_PROJECT never reach itself).
#   PROD_PROJECT  prod alone: state bucket, key state-prod, pool github, account
#                 defimon-ci-deploy-prod; the drill may list its snapshots and read the chain's.
#
# The ids come from `gh api repos/OWNER/REPO`, or from GITHUB_REPOSITORY_ID and
# GITHUB_REPOSITORY_OWNER_ID when both are set.
set -euo pipefail

if [ $# -lt 4 ] || [ $# -gt 5 ]; then
  echo "usage: $0 OWNER/REPO DEV_PROJECT PROD_PROJECT TEST_PROJECT [LOCATION]" >&2
  exit 2
fi
repo=$1
dev=$2
prod=$3
test_project=$4
location=${5:-europe-west1}
case "$repo" in */*) ;; *) echo "OWNER/REPO expected, got $repo" >&2; exit 2 ;; esac
if [ "$dev" = "$test_project" ] || [ "$prod" = "$test_project" ] || [ "$dev" = "$prod" ]; then
  echo "DEV_PROJECT, PROD_PROJECT and TEST_PROJECT must be three projects: pull requests' code holds roles on TEST_PROJECT" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ -n "${GITHUB_REPOSITORY_ID:-}" ] && [ -n "${GITHUB_REPOSITORY_OWNER_ID:-}" ]; then
  repo_id=$GITHUB_REPOSITORY_ID
  owner_id=$GITHUB_REPOSITORY_OWNER_ID
else
  read -r repo_id owner_id < <(gh api "repos/$repo" --jq '"\(.id) \(.owner.id)"')
fi
case "$repo_id$owner_id" in
  '' | *[!0-9]*) echo "the repository's ids must be numbers; got repository ${repo_id:-none}, owner ${owner_id:-none}" >&2; exit 2 ;;
esac

"$here/bootstrap-state.sh" "$dev" "$location" state-dev state-drill state-test
"$here/bootstrap-state.sh" "$prod" "$location" state-prod
# The test project's bucket only: its key lives in the dev project, out of reach of the
# key admin role pull requests hold on the test project.
"$here/bootstrap-state.sh" "$test_project" "$location" --no-keys

# The project-level roles the stack grants (components/nodeParts.ts: the host's log and
# metric writers); the deploy identities may grant these and no other on their project.
stack_project_roles=(roles/logging.logWriter roles/monitoring.metricWriter)
# What deploying the stack takes (docs/runbooks/deploy.md, "Before the first pulumi up"), without the
# project IAM admin role, which `deploy` grants with a condition. The host's account is
# created by the stack, so attaching it (actAs) is granted on the project. Not
# roles/storage.admin for the optional archive bucket: on the project it would reach
# every object of a state bucket there.
deploy_roles=(
  roles/serviceusage.serviceUsageAdmin roles/pubsub.admin roles/cloudkms.admin
  roles/iam.serviceAccountAdmin roles/iam.serviceAccountUser
  roles/compute.instanceAdmin.v1 roles/compute.networkAdmin roles/compute.securityAdmin roles/compute.storageAdmin
  roles/secretmanager.admin roles/monitoring.editor roles/bigquery.admin
)

conditions=$(mktemp -d)
trap 'rm -rf "$conditions"' EXIT
condition() { # NAME TITLE EXPRESSION -> a condition file for --condition-from-file
  printf 'title: %s\nexpression: >-\n  %s\n' "$2" "$3" >"$conditions/$1.yaml"
  echo "$conditions/$1.yaml"
}

account() { # PROJECT NAME -> creates if missing, prints the e-mail
  local email="$2@$1.iam.gserviceaccount.com"
  if ! gcloud iam service-accounts describe "$email" --project "$1" >/dev/null 2>&1; then
    gcloud iam service-accounts create "$2" --project "$1" --display-name "DEFIMON CI: $2" >&2
  fi
  echo "$email"
}

# The claims every pool maps; bindings use the repository's id.
mapping="google.subject=assertion.sub,attribute.repository_id=assertion.repository_id,attribute.repository_owner_id=assertion.repository_owner_id,attribute.event_name=assertion.event_name,attribute.ref=assertion.ref"
ids="assertion.repository_id == '$repo_id' && assertion.repository_owner_id == '$owner_id'"
on_main() { # WORKFLOW_FILE: a job of that workflow file, run from main
  echo "assertion.ref == 'refs/heads/main' && assertion.workflow_ref == assertion.repository + '/.github/workflows/$1@refs/heads/main'"
}

pool() { # PROJECT POOL CONDITION: a pool and GitHub provider admitting only tokens that meet CONDITION
  local project=$1 name=$2 condition="$ids && $3"
  local where=(--project "$project" --location global)
  if ! gcloud iam workload-identity-pools describe "$name" "${where[@]}" >/dev/null 2>&1; then
    gcloud iam workload-identity-pools create "$name" "${where[@]}" --display-name "GitHub Actions: $name"
  fi
  local verb=create-oidc
  gcloud iam workload-identity-pools providers describe github "${where[@]}" --workload-identity-pool "$name" >/dev/null 2>&1 && verb=update-oidc
  gcloud iam workload-identity-pools providers "$verb" github "${where[@]}" --workload-identity-pool "$name" \
    --issuer-uri https://token.actions.githubusercontent.com --attribute-mapping "$mapping" --attribute-condition "$condition" >/dev/null
}

trust() { # PROJECT POOL EMAIL: the tokens POOL admits (this repository's) may impersonate EMAIL
  local number
  number=$(gcloud projects describe "$1" --format "value(projectNumber)")
  gcloud iam service-accounts add-iam-policy-binding "$3" --project "$1" --role roles/iam.workloadIdentityUser \
    --member "principalSet://iam.googleapis.com/projects/$number/locations/global/workloadIdentityPools/$2/attribute.repository_id/$repo_id" >/dev/null
}

on_project() { # PROJECT EMAIL ROLE...
  local project=$1 email=$2 role
  shift 2
  for role in "$@"; do
    gcloud projects add-iam-policy-binding "$project" --member "serviceAccount:$email" --role "$role" --condition None >/dev/null
  done
}

on_project_if() { # PROJECT EMAIL ROLE CONDITION_FILE
  gcloud projects add-iam-policy-binding "$1" --member "serviceAccount:$2" --role "$3" --condition-from-file "$4" >/dev/null
}

deploy() { # PROJECT EMAIL: the deploy roles, and project IAM for the stack's own grants only
  local quoted
  quoted=$(printf "'%s', " "${stack_project_roles[@]}")
  on_project "$1" "$2" "${deploy_roles[@]}"
  on_project_if "$1" "$2" roles/resourcemanager.projectIamAdmin \
    "$(condition "grants-$1" "stack-project-grants-only" "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${quoted%, }])")"
}

on_bucket() { # PROJECT EMAIL ROLE [CONDITION_FILE]
  local args=(--member "serviceAccount:$2" --role "$3")
  [ $# -lt 4 ] || args+=(--condition-from-file "$4")
  gcloud storage buckets add-iam-policy-binding "gs://$1-pulumi-state" "${args[@]}" >/dev/null
}

on_key() { # PROJECT KEY EMAIL ROLE
  gcloud kms keys add-iam-policy-binding "$2" --keyring pulumi --location "$location" --project "$1" \
    --member "serviceAccount:$3" --role "$4" >/dev/null
}

custom_role() { # PROJECT ID TITLE PERMISSIONS: created, or its permissions enforced again
  local verb=create
  gcloud iam roles describe "$2" --project "$1" >/dev/null 2>&1 && verb=update
  gcloud iam roles "$verb" "$2" --project "$1" --title "$3" --permissions "$4" --stage GA >/dev/null
}

# The previous layout's accounts: the preview account read dev's state, and the test-stacks
# account held the deploy roles on the dev project. Deleting them ends every grant they had.
for old in defimon-ci-preview defimon-ci-test-stacks; do
  if gcloud iam service-accounts describe "$old@$dev.iam.gserviceaccount.com" --project "$dev" >/dev/null 2>&1; then
    gcloud iam service-accounts delete "$old@$dev.iam.gserviceaccount.com" --project "$dev" --quiet
    echo "deleted $old@$dev.iam.gserviceaccount.com (the previous layout's)" >&2
  fi
done

pool "$dev" github-pr "(assertion.event_name == 'pull_request' || (assertion.event_name in ['schedule', 'workflow_dispatch'] && $(on_main cleanup.yml)))"
pool "$dev" github-drill "assertion.event_name in ['schedule', 'workflow_dispatch'] && $(on_main restore-drill.yml)"
pool "$dev" github "assertion.event_name == 'push' && $(on_main deploy.yml) && assertion.environment == 'dev'"
pool "$prod" github "assertion.event_name == 'push' && $(on_main deploy.yml) && assertion.environment == 'production'"

pull_requests=$(account "$dev" defimon-ci-pull-requests)
drill=$(account "$dev" defimon-ci-drill)
deploy_dev=$(account "$dev" defimon-ci-deploy-dev)
deploy_prod=$(account "$prod" defimon-ci-deploy-prod)

trust "$dev" github-pr "$pull_requests"
trust "$dev" github-drill "$drill"
trust "$dev" github "$deploy_dev"
trust "$prod" github "$deploy_prod"

# Pull requests (and the sweep of their stacks): the test project, its state bucket, the
# test stacks' key. Nothing of dev or prod.
deploy "$test_project" "$pull_requests"
on_bucket "$test_project" "$pull_requests" roles/storage.objectAdmin
on_key "$dev" state-test "$pull_requests" roles/cloudkms.cryptoKeyEncrypterDecrypter

# The restore drill: deploys test-drill-* stacks in the dev project, writes only their
# state, and reads prod's chain snapshots (listing shows names and labels; using one
# needs its name to be a chain disk's).
deploy "$dev" "$drill"
on_bucket "$dev" "$drill" roles/storage.objectViewer
prefix="projects/_/buckets/$dev-pulumi-state/objects/.pulumi"
on_bucket "$dev" "$drill" roles/storage.objectAdmin "$(condition drill-state "drill-stacks-only" \
  "resource.name.startsWith('$prefix/stacks/defimon/test-drill-') || resource.name.startsWith('$prefix/history/defimon/test-drill-') || resource.name.startsWith('$prefix/backups/defimon/test-drill-') || resource.name.startsWith('$prefix/locks/organization/defimon/test-drill-')")"
on_key "$dev" state-drill "$drill" roles/cloudkms.cryptoKeyEncrypterDecrypter
custom_role "$prod" defimonDrillSnapshotLister "DEFIMON drill: list snapshots" compute.snapshots.list
custom_role "$prod" defimonDrillSnapshotReader "DEFIMON drill: read chain snapshots" compute.snapshots.get,compute.snapshots.useReadOnly
on_project "$prod" "$drill" "projects/$prod/roles/defimonDrillSnapshotLister"
on_project_if "$prod" "$drill" "projects/$prod/roles/defimonDrillSnapshotReader" "$(condition drill-snapshots "chain-snapshots-only" \
  "resource.type == 'compute.googleapis.com/Snapshot' && resource.name.startsWith('projects/$prod/global/snapshots/defimon-node-')")"

# Dev deploy: the dev project and dev's state.
deploy "$dev" "$deploy_dev"
on_bucket "$dev" "$deploy_dev" roles/storage.objectAdmin
on_key "$dev" state-dev "$deploy_dev" roles/cloudkms.cryptoKeyEncrypterDecrypter

# Prod deploy: the prod project, prod's state and key; the only identity that has them.
deploy "$prod" "$deploy_prod"
on_bucket "$prod" "$deploy_prod" roles/storage.objectAdmin
on_key "$prod" state-prod "$deploy_prod" roles/cloudkms.cryptoKeyEncrypterDecrypter

provider() { # PROJECT POOL
  echo "projects/$(gcloud projects describe "$1" --format "value(projectNumber)")/locations/global/workloadIdentityPools/$2/providers/github"
}
kms="gcpkms://projects/$dev/locations/$location/keyRings/pulumi/cryptoKeys"
cat <<TXT

Identities ready (repository $repo: id $repo_id, owner id $owner_id).
Repository variables (Settings, Secrets and variables, Actions):
  GCP_TEST_PROJECT=$test_project
  PULUMI_TEST_BACKEND_URL=gs://$test_project-pulumi-state
  PULUMI_TEST_SECRETS_PROVIDER=$kms/state-test
  GCP_PR_WORKLOAD_IDENTITY_PROVIDER=$(provider "$dev" github-pr)
  GCP_PR_SERVICE_ACCOUNT=$pull_requests
  PULUMI_DRILL_BACKEND_URL=gs://$dev-pulumi-state
  PULUMI_DRILL_SECRETS_PROVIDER=$kms/state-drill
  GCP_DRILL_WORKLOAD_IDENTITY_PROVIDER=$(provider "$dev" github-drill)
  GCP_DRILL_SERVICE_ACCOUNT=$drill
Variables of the "dev" environment (deployment branches: main only):
  PULUMI_BACKEND_URL=gs://$dev-pulumi-state
  GCP_DEV_WORKLOAD_IDENTITY_PROVIDER=$(provider "$dev" github)
  GCP_DEV_DEPLOY_SERVICE_ACCOUNT=$deploy_dev
Variables of the "production" environment (main only; required reviewers, prevent self-review):
  PULUMI_PROD_BACKEND_URL=gs://$prod-pulumi-state
  GCP_PROD_WORKLOAD_IDENTITY_PROVIDER=$(provider "$prod" github)
  GCP_PROD_DEPLOY_SERVICE_ACCOUNT=$deploy_prod
Then check the repository's settings: npm run -s check:repo-settings -- $repo
Create the two stacks with their own keys and commit the lines they write:
  pulumi login gs://$dev-pulumi-state
  pulumi stack init dev --secrets-provider $kms/state-dev
  pulumi logout && pulumi login gs://$prod-pulumi-state
  pulumi stack init prod --secrets-provider gcpkms://projects/$prod/locations/$location/keyRings/pulumi/cryptoKeys/state-prod
  git add Pulumi.dev.yaml Pulumi.prod.yaml   # secretsprovider and encryptedkey
TXT
