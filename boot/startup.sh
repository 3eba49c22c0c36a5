#!/usr/bin/env bash
# DEFIMON Geth host: runs as the instance's startup-script on every boot (the guest
# agent runs it as root). Idempotent: installs Docker once, mounts the chain data disk
# (formatting it only when it is blank), writes the compose project from instance
# metadata, fetches the secrets from Secret Manager onto tmpfs, starts the stack, and
# installs and configures the Ops Agent.
#
# Apply a metadata change without a reboot:
#   gcloud compute ssh VM --zone ZONE --tunnel-through-iap -- sudo google_metadata_script_runner startup
set -euo pipefail

# Keep in step with lib/hostLayout.ts (test/boot.test.ts checks it).
STACK_DIR=/opt/defimon
DATA_MOUNT=/mnt/chaindata
DATA_DEVICE_NAME=chaindata
SECRETS_DIR=/run/defimon/secrets

METADATA=http://metadata.google.internal/computeMetadata/v1

log() { echo "defimon-startup: $*"; }

metadata() {
  curl --silent --show-error --fail --retry 5 --retry-connrefused -H "Metadata-Flavor: Google" "$METADATA/$1"
}

attribute() {
  metadata "instance/attributes/$1"
}

install_docker() {
  if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    return
  fi
  log "installing Docker Engine and the Compose plugin from the Ubuntu archive"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q docker.io docker-compose-v2 python3
  systemctl enable --now docker
}

mount_data_disk() {
  local device="/dev/disk/by-id/google-$DATA_DEVICE_NAME"
  local waited=0
  until [ -b "$device" ]; do
    if [ "$waited" -ge 60 ]; then
      log "data disk $device did not appear"
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done

  # Format only a blank disk. blkid -p exits 2 when it finds no signature at all; any
  # other failure stops the boot rather than risk formatting chain data.
  local probe=0
  blkid -p "$device" >/dev/null 2>&1 || probe=$?
  if [ "$probe" -eq 2 ]; then
    log "data disk is blank: formatting ext4"
    mkfs.ext4 -m 0 -E lazy_itable_init=0,lazy_journal_init=0,discard -L chaindata "$device"
  elif [ "$probe" -ne 0 ]; then
    log "blkid could not probe $device (exit $probe); not touching it"
    exit 1
  fi

  mkdir -p "$DATA_MOUNT"
  local uuid
  uuid=$(blkid -s UUID -o value "$device")
  if ! grep -q "UUID=$uuid" /etc/fstab; then
    echo "UUID=$uuid $DATA_MOUNT ext4 discard,defaults,nofail 0 2" >>/etc/fstab
  fi
  if ! mountpoint -q "$DATA_MOUNT"; then
    mount "$DATA_MOUNT"
  fi
  # The disk may have been resized in place: grow the file system to match (online).
  resize2fs "$device" >/dev/null 2>&1 || log "resize2fs did not grow $device"
}

make_data_directories() {
  local dir owner
  while read -r dir owner; do
    [ -n "$dir" ] || continue
    case "$dir" in *[!a-z0-9-]*) log "bad data directory name: $dir"; exit 1 ;; esac
    mkdir -p "$DATA_MOUNT/$dir"
    chown "$owner" "$DATA_MOUNT/$dir"
  done < <(attribute defimon-data-dirs)
}

write_stack_files() {
  local key path staged
  mkdir -p "$STACK_DIR"
  staged=$(mktemp -d)
  while read -r key path; do
    [ -n "$key" ] || continue
    case "$path" in */* | .. | "") log "bad file path in manifest: $path"; exit 1 ;; esac
    attribute "$key" >"$staged/$path"
  done < <(attribute defimon-files)
  # Replace the files only once all of them arrived.
  cp -a "$staged"/. "$STACK_DIR"/
  rm -rf "$staged"
}

fetch_secrets() {
  local token project name file mode owner
  mkdir -p "$SECRETS_DIR"
  chmod 0711 "$SECRETS_DIR"
  token=$(metadata "instance/service-accounts/default/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  project=$(metadata "project/project-id")
  while read -r name file mode owner; do
    [ -n "$name" ] || continue
    case "$file" in */* | .. | "") log "bad secret file name: $file"; exit 1 ;; esac
    curl --silent --show-error --fail --retry 5 \
      -H "Authorization: Bearer $token" \
      "https://secretmanager.googleapis.com/v1/projects/$project/secrets/$name/versions/latest:access" |
      python3 -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["payload"]["data"]))' \
        >"$SECRETS_DIR/$file.new"
    chown "$owner" "$SECRETS_DIR/$file.new"
    chmod "$mode" "$SECRETS_DIR/$file.new"
    mv "$SECRETS_DIR/$file.new" "$SECRETS_DIR/$file"
  done < <(attribute defimon-secrets)
}

configure_ops_agent() {
  # Host metrics (disk, memory) and geth's head block for Cloud Monitoring's alerts.
  if ! dpkg -s google-cloud-ops-agent >/dev/null 2>&1; then
    log "installing the Ops Agent (Google's documented repository script)"
    curl --silent --show-error --fail --retry 5 -o /tmp/add-google-cloud-ops-agent-repo.sh \
      https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh
    bash /tmp/add-google-cloud-ops-agent-repo.sh --also-install
  fi
  local config=/etc/google-cloud-ops-agent/config.yaml staged
  staged=$(mktemp)
  attribute defimon-ops-agent-config >"$staged"
  if ! cmp -s "$staged" "$config"; then
    install -m 0644 "$staged" "$config"
    systemctl restart google-cloud-ops-agent
  fi
  rm -f "$staged"
}

configure_registries() {
  # Private images (Artifact Registry): Docker asks a credential helper for each listed
  # registry; the helper hands it a fresh access token of the VM's own service account
  # from the metadata server, so no credential is ever stored on the host.
  local registries helpers="" host
  registries=$(attribute defimon-registries)
  [ -n "$registries" ] || return 0
  cat >/usr/local/bin/docker-credential-gce-metadata <<'HELPER'
#!/bin/sh
# Docker credential helper: the instance's service-account token for Artifact Registry.
set -eu
case "${1:-}" in
  get)
    server=$(cat)
    token=$(curl --silent --show-error --fail --retry 5 -H "Metadata-Flavor: Google" \
      http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    printf '{"ServerURL":"%s","Username":"oauth2accesstoken","Secret":"%s"}\n' "$server" "$token"
    ;;
  list) echo '{}' ;;
  *) ;;
esac
HELPER
  chmod 0755 /usr/local/bin/docker-credential-gce-metadata
  for host in $registries; do
    case "$host" in *[!a-z0-9.-]*) log "bad registry host: $host"; exit 1 ;; esac
    helpers="$helpers${helpers:+,}\"$host\":\"gce-metadata\""
  done
  mkdir -p /root/.docker
  printf '{"credHelpers":{%s}}\n' "$helpers" >/root/.docker/config.json
  chmod 0600 /root/.docker/config.json
}

start_stack() {
  log "starting the compose project"
  docker compose --project-name defimon --project-directory "$STACK_DIR" -f "$STACK_DIR/docker-compose.yml" up -d --remove-orphans
}

main() {
  install_docker
  mount_data_disk
  make_data_directories
  write_stack_files
  fetch_secrets
  configure_registries
  start_stack
  # After the stack: a broken agent install must not keep the node from starting.
  configure_ops_agent || log "Ops Agent setup failed; alerts on disk, memory and geth will fire as missing data"
  log "done"
}

main "$@"
