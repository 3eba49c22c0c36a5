#!/usr/bin/env bash
# The identities the GitHub workflows use, one per use, each trusted only by the OIDC
# subject of the job that needs it, each with only what that use needs. Run once, as a
# project owner of both projects; idempotent. README "Pull requests" explains the design.
#
#   scripts/bootstrap-ci.sh OWNER/REPO DEV_PROJECT PROD_PROJECT [LOCATION]
#
#   DEV_PROJECT   dev and the test stacks: state bucket with keys state-dev, state-test;
#                 Workload Identity pool "github" trusting OWNER/REPO; accounts
#                 defimon-ci-preview, defimon-ci-test-stacks, defimon-ci-deploy-dev
#   PROD_PROJECT  prod alone: its own state bucket and key state-prod; its own pool
#                 trusting only OWNER/REPO's "production" environment; account
#                 defimon-ci-deploy-prod. Nothing of the dev project can use them.
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 OWNER/REPO DEV_PROJECT PROD_PROJECT [LOCATION]" >&2
  exit 2
fi
repo=$1
dev=$2
prod=$3
location=${4:-europe-west1}
case "$repo" in */*) ;; *) echo "OWNER/REPO expected, got $repo" >&2; exit 2 ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

"$here/bootstrap-state.sh" "$dev" "$location" state-dev state-test
"$here/bootstrap-state.sh" "$prod" "$location" state-prod

# What deploying the stack takes (README, "Before the first pulumi up"). The host's
# service account is created by the stack, so attaching it (actAs) is granted on the project.
deploy_roles=(
  roles/serviceusage.serviceUsageAdmin roles/pubsub.admin roles/cloudkms.admin
  roles/iam.serviceAccountAdmin roles/iam.serviceAccountUser
  roles/compute.instanceAdmin.v1 roles/compute.networkAdmin roles/compute.securityAdmin roles/compute.storageAdmin
  roles/secretmanager.admin roles/monitoring.editor roles/resourcemanager.projectIamAdmin
  # The analytics sink: the dataset, its table and the table's IAM. Not roles/storage.admin
  # for the optional archive bucket: on the project it would reach every object of the
  # state bucket, around the test-stacks-only condition below (README).
  roles/bigquery.admin
)

account() { # PROJECT NAME -> creates if missing, prints the e-mail
  local email="$2@$1.iam.gserviceaccount.com"
  if ! gcloud iam service-accounts describe "$email" --project "$1" >/dev/null 2>&1; then
    gcloud iam service-accounts create "$2" --project "$1" --display-name "DEFIMON CI: $2" >&2
  fi
  echo "$email"
}

pool() { # PROJECT CONDITION -> a pool and GitHub provider with that attribute condition
  if ! gcloud iam workload-identity-pools describe github --project "$1" --location global >/dev/null 2>&1; then
    gcloud iam workload-identity-pools create github --project "$1" --location global --display-name "GitHub Actions"
  fi
  if ! gcloud iam workload-identity-pools providers describe github --project "$1" --location global --workload-identity-pool github >/dev/null 2>&1; then
    gcloud iam workload-identity-pools providers create-oidc github --project "$1" --location global \
      --workload-identity-pool github --issuer-uri https://token.actions.githubusercontent.com \
      --attribute-mapping "google.subject=assertion.sub,attribute.repository=assertion.repository,attribute.environment=assertion.environment" \
      --attribute-condition "$2"
  fi
}

trust() { # PROJECT EMAIL SUBJECT: the job whose OIDC `sub` is SUBJECT may impersonate EMAIL
  local number
  number=$(gcloud projects describe "$1" --format "value(projectNumber)")
  gcloud iam service-accounts add-iam-policy-binding "$2" --project "$1" --role roles/iam.workloadIdentityUser \
    --member "principal://iam.googleapis.com/projects/$number/locations/global/workloadIdentityPools/github/subject/$3" >/dev/null
}

on_project() { # PROJECT EMAIL ROLE...
  local project=$1 email=$2 role
  shift 2
  for role in "$@"; do
    gcloud projects add-iam-policy-binding "$project" --member "serviceAccount:$email" --role "$role" --condition None >/dev/null
  done
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

pool "$dev" "assertion.repository == '$repo'"
pool "$prod" "assertion.repository == '$repo' && assertion.environment == 'production'"

preview=$(account "$dev" defimon-ci-preview)
tests=$(account "$dev" defimon-ci-test-stacks)
deploy_dev=$(account "$dev" defimon-ci-deploy-dev)
deploy_prod=$(account "$prod" defimon-ci-deploy-prod)

# OIDC subjects (GitHub: repo:OWNER/REPO:pull_request, :environment:NAME, :ref:REF).
trust "$dev" "$preview" "repo:$repo:pull_request"
trust "$dev" "$tests" "repo:$repo:pull_request"
trust "$dev" "$tests" "repo:$repo:ref:refs/heads/main"
trust "$dev" "$deploy_dev" "repo:$repo:environment:dev"
trust "$prod" "$deploy_prod" "repo:$repo:environment:production"

# Preview: reads the dev project and dev's state (a DIY preview takes no lock), decrypts
# dev's secrets; nothing in prod.
on_project "$dev" "$preview" roles/viewer roles/iam.securityReviewer
on_bucket "$dev" "$preview" roles/storage.objectViewer
on_key "$dev" state-dev "$preview" roles/cloudkms.cryptoKeyDecrypter

# Test stacks: deploy in the dev project; write only pr-*/test-* state (and their locks).
conditions=$(mktemp)
trap 'rm -f "$conditions"' EXIT
prefix="projects/_/buckets/$dev-pulumi-state/objects/.pulumi"
cat >"$conditions" <<YAML
title: test-stacks-only
description: State, history, backups and locks of pr-* and test-* stacks
expression: >-
  resource.name.startsWith("$prefix/stacks/defimon/pr-") || resource.name.startsWith("$prefix/stacks/defimon/test-") ||
  resource.name.startsWith("$prefix/history/defimon/pr-") || resource.name.startsWith("$prefix/history/defimon/test-") ||
  resource.name.startsWith("$prefix/backups/defimon/pr-") || resource.name.startsWith("$prefix/backups/defimon/test-") ||
  resource.name.startsWith("$prefix/locks/organization/defimon/pr-") || resource.name.startsWith("$prefix/locks/organization/defimon/test-")
YAML
on_project "$dev" "$tests" "${deploy_roles[@]}"
on_bucket "$dev" "$tests" roles/storage.objectViewer
on_bucket "$dev" "$tests" roles/storage.objectAdmin "$conditions"
on_key "$dev" state-test "$tests" roles/cloudkms.cryptoKeyEncrypterDecrypter

# Dev deploy: the dev project and dev's state.
on_project "$dev" "$deploy_dev" "${deploy_roles[@]}"
on_bucket "$dev" "$deploy_dev" roles/storage.objectAdmin
on_key "$dev" state-dev "$deploy_dev" roles/cloudkms.cryptoKeyEncrypterDecrypter

# Prod deploy: the prod project, prod's state and key; the only identity that has them.
on_project "$prod" "$deploy_prod" "${deploy_roles[@]}"
on_bucket "$prod" "$deploy_prod" roles/storage.objectAdmin
on_key "$prod" state-prod "$deploy_prod" roles/cloudkms.cryptoKeyEncrypterDecrypter

dev_number=$(gcloud projects describe "$dev" --format "value(projectNumber)")
prod_number=$(gcloud projects describe "$prod" --format "value(projectNumber)")
cat <<TXT

Identities ready. Repository variables (Settings, Secrets and variables, Actions):
  PULUMI_BACKEND_URL=gs://$dev-pulumi-state
  PULUMI_TEST_SECRETS_PROVIDER=gcpkms://projects/$dev/locations/$location/keyRings/pulumi/cryptoKeys/state-test
  GCP_WORKLOAD_IDENTITY_PROVIDER=projects/$dev_number/locations/global/workloadIdentityPools/github/providers/github
  GCP_PREVIEW_SERVICE_ACCOUNT=$preview
  GCP_TEST_STACKS_SERVICE_ACCOUNT=$tests
Variables of the "dev" environment:
  GCP_DEV_DEPLOY_SERVICE_ACCOUNT=$deploy_dev
Variables of the "production" environment (limit it to main; add required reviewers):
  PULUMI_PROD_BACKEND_URL=gs://$prod-pulumi-state
  GCP_PROD_WORKLOAD_IDENTITY_PROVIDER=projects/$prod_number/locations/global/workloadIdentityPools/github/providers/github
  GCP_PROD_DEPLOY_SERVICE_ACCOUNT=$deploy_prod
Then create the two stacks with their own keys and commit the lines they write:
  pulumi login gs://$dev-pulumi-state
  pulumi stack init dev --secrets-provider gcpkms://projects/$dev/locations/$location/keyRings/pulumi/cryptoKeys/state-dev
  pulumi logout && pulumi login gs://$prod-pulumi-state
  pulumi stack init prod --secrets-provider gcpkms://projects/$prod/locations/$location/keyRings/pulumi/cryptoKeys/state-prod
  git add Pulumi.dev.yaml Pulumi.prod.yaml   # secretsprovider and encryptedkey
TXT
