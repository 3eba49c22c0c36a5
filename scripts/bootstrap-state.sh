#!/usr/bin/env bash
# A team's Pulumi state backend on Google Cloud, created once per project with gcloud
# (the state cannot live in the stack it describes). Idempotent: re-running changes nothing.
#
#   scripts/bootstrap-state.sh PROJECT_ID [LOCATION]
#
# Creates a versioned, uniform-access, never-public GCS bucket for the state and a Cloud
# KMS key (rotating every 90 days) for the stacks' secrets provider, then prints the
# `pulumi login` and `pulumi stack init` commands that use them.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 PROJECT_ID [LOCATION]" >&2
  exit 2
fi
project=$1
location=${2:-europe-west1}
bucket="${project}-pulumi-state"
keyring=pulumi
key=state-secrets

gcloud services enable storage.googleapis.com cloudkms.googleapis.com --project "$project"

if ! gcloud storage buckets describe "gs://$bucket" --project "$project" >/dev/null 2>&1; then
  gcloud storage buckets create "gs://$bucket" --project "$project" --location "$location" \
    --uniform-bucket-level-access --public-access-prevention
fi
# Every state write is a new object version: a bad update can be rolled back.
gcloud storage buckets update "gs://$bucket" --versioning

if ! gcloud kms keyrings describe "$keyring" --location "$location" --project "$project" >/dev/null 2>&1; then
  gcloud kms keyrings create "$keyring" --location "$location" --project "$project"
fi
if ! gcloud kms keys describe "$key" --keyring "$keyring" --location "$location" --project "$project" >/dev/null 2>&1; then
  gcloud kms keys create "$key" --keyring "$keyring" --location "$location" --project "$project" \
    --purpose encryption --rotation-period 90d \
    --next-rotation-time "$(date -u -d '+90 days' +%Y-%m-%dT%H:%M:%SZ)"
fi

secrets_provider="gcpkms://projects/$project/locations/$location/keyRings/$keyring/cryptoKeys/$key"
cat <<TXT

State backend ready. Next:
  pulumi login gs://$bucket
  pulumi stack init dev --secrets-provider "$secrets_provider"    # once per stack: dev, prod
  pulumi stack select dev && pulumi config set gcp:project <project-id>

For CI, set the repository variables:
  PULUMI_BACKEND_URL=gs://$bucket
  PULUMI_SECRETS_PROVIDER=$secrets_provider
TXT
