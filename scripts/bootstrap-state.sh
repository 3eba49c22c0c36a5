#!/usr/bin/env bash
# A Pulumi state backend on Google Cloud, created once per project with gcloud (the state
# cannot live in the stack it describes). Idempotent: re-running changes nothing, except
# that it enforces the bucket's settings again on a bucket that already exists.
#
#   scripts/bootstrap-state.sh PROJECT_ID [LOCATION [KEY ... | --no-keys]]
#
# The bucket gs://PROJECT_ID-pulumi-state: uniform bucket-level access, public access
# prevention, object versioning (every state write is a new version, so a bad update can be
# rolled back). One Cloud KMS key per KEY (default: state-secrets) in key ring "pulumi",
# rotating every 90 days, for stacks' secrets providers (--no-keys: the bucket alone, for
# stacks whose key lives elsewhere). Prints the commands that use them.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 PROJECT_ID [LOCATION [KEY ... | --no-keys]]" >&2
  exit 2
fi
project=$1
location=${2:-europe-west1}
shift $(($# >= 2 ? 2 : 1))
keys=("$@")
if [ "${keys[*]:-}" = --no-keys ]; then keys=(); elif [ "${#keys[@]}" -eq 0 ]; then keys=(state-secrets); fi
bucket="${project}-pulumi-state"
keyring=pulumi

gcloud services enable storage.googleapis.com cloudkms.googleapis.com --project "$project"

if ! gcloud storage buckets describe "gs://$bucket" --project "$project" >/dev/null 2>&1; then
  gcloud storage buckets create "gs://$bucket" --project "$project" --location "$location" \
    --uniform-bucket-level-access --public-access-prevention
fi
# Also on a bucket that existed before: uniform access, never public, versioned.
gcloud storage buckets update "gs://$bucket" --project "$project" \
  --uniform-bucket-level-access --public-access-prevention --versioning

if [ "${#keys[@]}" -gt 0 ] && ! gcloud kms keyrings describe "$keyring" --location "$location" --project "$project" >/dev/null 2>&1; then
  gcloud kms keyrings create "$keyring" --location "$location" --project "$project"
fi
# Portable (GNU and BSD alike): the repository needs Node anyway.
next_rotation=$(node -e 'console.log(new Date(Date.now() + 90 * 86400e3).toISOString().replace(/\.\d+Z$/, "Z"))')
for key in "${keys[@]+"${keys[@]}"}"; do
  if ! gcloud kms keys describe "$key" --keyring "$keyring" --location "$location" --project "$project" >/dev/null 2>&1; then
    gcloud kms keys create "$key" --keyring "$keyring" --location "$location" --project "$project" \
      --purpose encryption --rotation-period 90d --next-rotation-time "$next_rotation"
  fi
done

echo
echo "State backend ready: gs://$bucket. With it:"
echo "  pulumi login gs://$bucket"
for key in "${keys[@]+"${keys[@]}"}"; do
  echo "  secrets provider $key: gcpkms://projects/$project/locations/$location/keyRings/$keyring/cryptoKeys/$key"
done
