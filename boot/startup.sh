#!/usr/bin/env bash
# DEFIMON Geth host: runs as the instance's startup-script on every boot (the guest
# agent runs it as root). Idempotent: mounts the chain data disk (formatting it only when
# it reads cleanly and is blank), installs Docker once, writes the compose project from
# instance metadata, fetches the secrets from Secret Manager onto tmpfs, starts the stack,
# and installs and configures the Ops Agent. Any required input that cannot be had stops
# the script with a line naming it; "done" is printed only when everything is up.
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

# To stderr: a message from inside $(...) must reach the log, not the variable.
log() { echo "defimon-startup: $*" >&2; }

# GET a metadata path into stdout, byte for byte. Connection errors and 5xx are retried
# for up to 2 minutes; a 404 for up to 30 s (then the key is missing for good). On failure
# it names the path and returns 1, which stops the script.
metadata() {
  local path=$1 body code delay=1 started=$SECONDS
  body=$(mktemp)
  while :; do
    code=$(curl --silent --output "$body" --write-out '%{http_code}' -H "Metadata-Flavor: Google" "$METADATA/$path") || code=000
    if [ "$code" = 200 ]; then
      cat "$body"
      rm -f "$body"
      return 0
    fi
    if { [ "$code" = 404 ] && [ $((SECONDS - started)) -ge 30 ]; } || [ $((SECONDS - started)) -ge 120 ]; then
      rm -f "$body"
      log "required metadata $path is not available (HTTP $code); stopping"
      return 1
    fi
    sleep "$delay"
    delay=$((delay < 8 ? delay * 2 : 8))
  done
}

attribute() {
  metadata "instance/attributes/$1"
}

access_token() {
  local json
  json=$(metadata "instance/service-accounts/default/token")
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$json"
}

# True while another process holds one of the package manager's locks (dpkg and apt
# take POSIX record locks on them; unattended-upgrades holds them for minutes on a new VM).
package_manager_busy() {
  python3 - <<'PY'
import fcntl, sys
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock"):
    try:
        with open(path, "a") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        continue
    except OSError:
        sys.exit(0)
sys.exit(1)
PY
}

# apt-get that waits (up to 15 minutes) while the package manager is busy, instead of
# failing on its lock. A failure while nobody holds the locks is real only the second
# time in a row: the holder may have let go between apt's attempt and the check
# (unattended-upgrades finishing just then), and that one is retried.
apt_get() {
  local status started=$SECONDS idle_failures=0
  while :; do
    status=0
    apt-get -o DPkg::Lock::Timeout=60 -o Dpkg::Use-Pty=0 "$@" || status=$?
    [ "$status" -eq 0 ] && return 0
    if package_manager_busy; then
      idle_failures=0
      log "the package manager is busy (another apt or dpkg holds its lock); waiting"
    else
      idle_failures=$((idle_failures + 1))
    fi
    if [ "$idle_failures" -ge 2 ] || [ $((SECONDS - started)) -ge 900 ]; then
      log "apt-get $* failed (exit $status)"
      return "$status"
    fi
    sleep 5
  done
}

install_docker() {
  if dpkg -s docker.io docker-compose-v2 >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    return
  fi
  log "installing Docker Engine and the Compose plugin from the distribution's archive"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -q
  apt_get install -y -q docker.io docker-compose-v2
}

# Docker only with the chain data disk mounted: at boot it restarts the containers on its
# own, and a missing mount would have them write the chain into the boot disk. The
# shutdown script runs before Docker stops (units stop in reverse order of After=).
configure_units() {
  local changed=0
  write_if_changed /etc/systemd/system/docker.service.d/defimon-chaindata.conf \
    "[Unit]
RequiresMountsFor=$DATA_MOUNT" && changed=1
  write_if_changed /etc/systemd/system/google-shutdown-scripts.service.d/defimon-before-docker.conf \
    "[Unit]
After=docker.service" && changed=1
  if [ "$changed" -eq 1 ]; then
    systemctl daemon-reload
  fi
}

# The node's own containers (geth, Lighthouse, Prometheus, Grafana, the health endpoint)
# have fixed addresses in one half of the compose network; none of them needs a Google
# API, and the metadata server would hand any of them the VM's token (its secrets, its
# images). A unit that runs before Docker at every boot rejects that half's packets to the
# metadata server: forwarded (DOCKER-USER, which Docker leaves alone; the server is off
# the host) and delivered on the host (INPUT). The services keep it, for Pub/Sub.
guard_metadata_server() {
  local bridge range guard=/usr/local/sbin/defimon-metadata-guard changed=0
  read -r bridge range <<<"$(attribute defimon-metadata-guard)"
  case "$bridge $range" in
    *[!a-z0-9./\ ]* | " "* | *" ") log "bad defimon-metadata-guard: $bridge $range"; exit 1 ;;
  esac
  write_if_changed "$guard" "#!/bin/sh
# Rendered by the DEFIMON startup script: $range on $bridge cannot reach the metadata server.
set -e
iptables -n -L DOCKER-USER >/dev/null 2>&1 || iptables -N DOCKER-USER
for chain in DOCKER-USER INPUT; do
  iptables -C \$chain -i $bridge -s $range -d 169.254.169.254/32 -j REJECT 2>/dev/null ||
    iptables -I \$chain -i $bridge -s $range -d 169.254.169.254/32 -j REJECT
done" && changed=1
  chmod 0755 "$guard"
  write_if_changed /etc/systemd/system/defimon-metadata-guard.service "[Unit]
Description=DEFIMON: the node's own containers cannot reach the metadata server
Before=docker.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$guard
[Install]
WantedBy=multi-user.target" && changed=1
  if [ "$changed" -eq 1 ]; then
    systemctl daemon-reload
    systemctl enable defimon-metadata-guard.service
    systemctl restart defimon-metadata-guard.service
  fi
  systemctl start defimon-metadata-guard.service
}

# write_if_changed FILE TEXT: true when it wrote.
write_if_changed() {
  mkdir -p "$(dirname "$1")"
  if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then
    return 1
  fi
  printf '%s\n' "$2" >"$1"
}

# The device reads cleanly at its start and its end (a disk that errors is never touched).
readable() {
  local device=$1 size_mb
  size_mb=$(($(blockdev --getsize64 "$device") / 1048576))
  dd if="$device" of=/dev/null bs=1M count=16 iflag=direct status=none &&
    dd if="$device" of=/dev/null bs=1M skip=$((size_mb - 1)) count=1 iflag=direct status=none
}

# Zeros at its start and its end, where partition tables and file-system signatures live.
blank() {
  local device=$1 size_mb
  size_mb=$(($(blockdev --getsize64 "$device") / 1048576))
  cmp -s -n 16777216 "$device" /dev/zero &&
    dd if="$device" bs=1M skip=$((size_mb - 1)) count=1 iflag=direct status=none | cmp -s -n 1048576 - /dev/zero
}

mount_data_disk() {
  local device="/dev/disk/by-id/google-$DATA_DEVICE_NAME"
  local waited=0
  until [ -b "$device" ]; do
    if [ "$waited" -ge 60 ]; then
      log "data disk $device did not appear; stopping"
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done

  # Chain data is formatted only when the disk provably holds nothing: it reads cleanly,
  # blkid finds no signature (exit 2, which it also gives when it cannot read, hence
  # the read check first), and its start and end are zeros.
  if [ "$(blockdev --getsize64 "$device")" -lt $((64 * 1048576)) ]; then
    log "data disk $device is smaller than 64 MiB; not touching it"
    exit 1
  fi
  if ! readable "$device"; then
    log "data disk $device: read errors while probing it; not touching it (check the disk, then reboot)"
    exit 1
  fi
  local probe=0 type
  blkid -p "$device" >/dev/null 2>&1 || probe=$?
  if [ "$probe" -eq 2 ]; then
    if ! blank "$device"; then
      log "data disk $device: no file-system signature, but not blank either; not formatting it"
      exit 1
    fi
    log "data disk is blank: formatting ext4"
    mkfs.ext4 -q -m 0 -E lazy_itable_init=0,lazy_journal_init=0,discard -L chaindata "$device"
  elif [ "$probe" -ne 0 ]; then
    log "data disk $device: blkid could not probe it (exit $probe); not touching it"
    exit 1
  fi
  type=$(blkid -p -s TYPE -o value "$device")
  if [ "$type" != ext4 ]; then
    log "data disk $device holds $type, not ext4; not touching it"
    exit 1
  fi

  # One fstab line for the mount point, naming this disk: after a disk swap the old line
  # would win (and nofail hide that it failed).
  local uuid line current
  uuid=$(blkid -p -s UUID -o value "$device")
  line="UUID=$uuid $DATA_MOUNT ext4 discard,defaults,nofail,x-systemd.device-timeout=30s 0 2"
  current=$(awk -v mount="$DATA_MOUNT" '$2 == mount' /etc/fstab)
  if [ "$current" != "$line" ]; then
    awk -v mount="$DATA_MOUNT" '$2 != mount' /etc/fstab >/etc/fstab.defimon
    echo "$line" >>/etc/fstab.defimon
    mv /etc/fstab.defimon /etc/fstab
    systemctl daemon-reload
  fi

  mkdir -p "$DATA_MOUNT"
  if mountpoint -q "$DATA_MOUNT" && [ "$(findmnt -n -o UUID --target "$DATA_MOUNT")" != "$uuid" ]; then
    log "$DATA_MOUNT holds another disk; unmounting it"
    umount "$DATA_MOUNT"
  fi
  if ! mountpoint -q "$DATA_MOUNT"; then
    # Nothing can be written into the empty mount point on the boot disk.
    chattr +i "$DATA_MOUNT"
    mount "$DATA_MOUNT"
  fi
  # The disk may have been resized in place: grow the file system to match (online).
  resize2fs "$device" >/dev/null 2>&1 || log "resize2fs did not grow $device"
}

# A chain disk made from another node's snapshot (a group's seed image, a restore) carries
# that node's P2P identity: geth's node key and node database, Lighthouse's network key
# and ENR. Two nodes with one identity are one peer to the network, and their peers drop
# one of them. The first time this VM mounts a disk it gives the disk its own identity;
# the disk then names this VM (by its instance id), so a reboot keeps it.
claim_data_disk() {
  local me owner="" owner_file="$DATA_MOUNT/.defimon-instance"
  me=$(metadata instance/id)
  [ -f "$owner_file" ] && owner=$(cat "$owner_file")
  [ "$owner" = "$me" ] && return 0
  if [ -n "$owner" ] || [ -e "$DATA_MOUNT/geth/geth/nodekey" ] || [ -e "$DATA_MOUNT/lighthouse/beacon/network/key" ]; then
    log "the chain disk was last used by instance ${owner:-(unknown)}: giving this node its own P2P identity"
    # Containers Docker restarted at boot must not keep the old identity in memory.
    if command -v docker >/dev/null 2>&1 && [ -f "$STACK_DIR/docker-compose.yml" ]; then
      compose stop geth lighthouse || log "could not stop geth and lighthouse before the reset"
    fi
    rm -rf "$DATA_MOUNT/geth/geth/nodekey" "$DATA_MOUNT/geth/geth/nodes" \
      "$DATA_MOUNT/lighthouse/beacon/network/key" "$DATA_MOUNT/lighthouse/beacon/network/enr.dat"
  fi
  echo "$me" >"$owner_file.new"
  mv "$owner_file.new" "$owner_file"
}

make_data_directories() {
  local dirs dir owner
  dirs=$(attribute defimon-data-dirs)
  while read -r dir owner; do
    [ -n "$dir" ] || continue
    case "$dir" in *[!a-z0-9-]*) log "bad data directory name: $dir"; exit 1 ;; esac
    mkdir -p "$DATA_MOUNT/$dir"
    chown "$owner" "$DATA_MOUNT/$dir"
  done <<<"$dirs"
}

write_stack_files() {
  local manifest key path staged
  manifest=$(attribute defimon-files)
  mkdir -p "$STACK_DIR"
  staged=$(mktemp -d)
  while read -r key path; do
    [ -n "$key" ] || continue
    case "$path" in */* | .. | "") log "bad file path in manifest: $path"; exit 1 ;; esac
    attribute "$key" >"$staged/$path"
  done <<<"$manifest"
  # Replace the files only once all of them arrived.
  cp -a "$staged"/. "$STACK_DIR"/
  rm -rf "$staged"
}

# Writes one secret's latest version to FILE. 403 and 404 (IAM grants and new versions
# take minutes to apply), 429 and 5xx are retried for up to 10 minutes. The access token
# (TOKEN, shared by one pass over the secrets) is fetched again before each retry.
fetch_secret() {
  local name=$1 file=$2 project=$3 code started=$SECONDS delay=2
  while :; do
    [ -n "$TOKEN" ] || TOKEN=$(access_token)
    code=$(curl --silent --output "$file.json" --write-out '%{http_code}' -H "Authorization: Bearer $TOKEN" \
      "https://secretmanager.googleapis.com/v1/projects/$project/secrets/$name/versions/latest:access") || code=000
    if [ "$code" = 200 ]; then
      python3 -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["payload"]["data"]))' <"$file.json" >"$file"
      rm -f "$file.json"
      return 0
    fi
    rm -f "$file.json"
    if [ $((SECONDS - started)) -ge 600 ]; then
      log "secret $name: not readable (HTTP $code) after 10 minutes; stopping"
      return 1
    fi
    log "secret $name: HTTP $code; retrying (new IAM grants take minutes to apply)"
    TOKEN=""
    sleep "$delay"
    delay=$((delay < 16 ? delay * 2 : 16))
  done
}

fetch_secrets() {
  local manifest project name dir file mode owner
  manifest=$(attribute defimon-secrets)
  project=$(metadata "project/project-id")
  TOKEN=""
  mkdir -p "$SECRETS_DIR"
  chmod 0711 "$SECRETS_DIR"
  while read -r name dir file mode owner; do
    [ -n "$name" ] || continue
    case "$dir/$file" in */*/* | *..* | /* | */) log "bad secret path: $dir/$file"; exit 1 ;; esac
    mkdir -p "$SECRETS_DIR/$dir"
    chmod 0711 "$SECRETS_DIR/$dir"
    # Docker creates a missing bind-mount source as a directory: never leave one in a file's place.
    [ -d "$SECRETS_DIR/$dir/$file" ] && rm -rf "${SECRETS_DIR:?}/$dir/$file"
    fetch_secret "$name" "$SECRETS_DIR/$dir/$file.new" "$project"
    chown "$owner" "$SECRETS_DIR/$dir/$file.new"
    chmod "$mode" "$SECRETS_DIR/$dir/$file.new"
    mv -T "$SECRETS_DIR/$dir/$file.new" "$SECRETS_DIR/$dir/$file"
  done <<<"$manifest"
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

compose() {
  docker compose --project-name defimon --project-directory "$STACK_DIR" -f "$STACK_DIR/docker-compose.yml" "$@"
}

start_stack() {
  log "starting the compose project"
  systemctl start docker
  compose up -d --quiet-pull --remove-orphans
  # Containers Docker restarted at boot before their secrets existed wait in a restart
  # back-off (up to a minute); start them now that the secrets are there.
  local waiting
  waiting=$(compose ps -a -q --status restarting --status exited)
  if [ -n "$waiting" ]; then
    # shellcheck disable=SC2086 # one container id per word
    docker restart $waiting >/dev/null
  fi
}

configure_ops_agent() {
  # Host metrics (disk, memory) and geth's head block for Cloud Monitoring's alerts.
  # Each step is checked: this runs in a `||` list, where set -e does not apply.
  if ! dpkg -s google-cloud-ops-agent >/dev/null 2>&1; then
    log "installing the Ops Agent (Google's documented repository script)"
    curl --silent --show-error --fail --retry 5 -o /tmp/add-google-cloud-ops-agent-repo.sh \
      https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh || return 1
    bash /tmp/add-google-cloud-ops-agent-repo.sh --also-install || return 1
  fi
  local config=/etc/google-cloud-ops-agent/config.yaml staged
  staged=$(mktemp) || return 1
  attribute defimon-ops-agent-config >"$staged" || return 1
  if ! cmp -s "$staged" "$config"; then
    install -m 0644 "$staged" "$config" || return 1
    systemctl restart google-cloud-ops-agent || return 1
  fi
  rm -f "$staged"
}

main() {
  mount_data_disk
  claim_data_disk
  configure_units
  install_docker
  guard_metadata_server
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
