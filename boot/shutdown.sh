#!/usr/bin/env bash
# DEFIMON Geth host: the instance's shutdown-script. Stops the DEFIMON services first,
# then the beacon node, then geth with time to flush its caches to disk; an unclean geth
# stop means a long state recovery on the next start.
#
# Compute Engine gives a shutdown script about 90 seconds on stop or delete (and
# `allowStoppingForUpdate` stops the VM to resize it), so the stops add up to at most
# 80 s: services 10, Lighthouse 15, geth 55. The startup script orders this script's unit
# before docker.service, so Docker's own stop cannot race it.
set -uo pipefail

STACK_DIR=/opt/defimon

log() { echo "defimon-shutdown: $*" >&2; }

compose() {
  docker compose --project-name defimon --project-directory "$STACK_DIR" -f "$STACK_DIR/docker-compose.yml" "$@"
}

if [ ! -f "$STACK_DIR/docker-compose.yml" ] || ! command -v docker >/dev/null 2>&1; then
  exit 0
fi

log "stopping the services"
if services=$(compose config --services); then
  others=$(grep -v -x -e geth -e lighthouse <<<"$services" || true)
  if [ -n "$others" ]; then
    # shellcheck disable=SC2086 # one service name per word
    compose stop -t 10 $others
  fi
else
  log "could not read the compose project; stopping every container but geth and lighthouse"
  docker ps --filter label=com.docker.compose.project=defimon --format '{{.ID}} {{.Label "com.docker.compose.service"}}' |
    awk '$2 != "geth" && $2 != "lighthouse" { print $1 }' | xargs -r docker stop -t 10
fi
log "stopping lighthouse"
compose stop -t 15 lighthouse
log "stopping geth (up to 55 s to flush)"
compose stop -t 55 geth
log "geth stopped"
