#!/usr/bin/env bash
# DEFIMON Geth host: the instance's shutdown-script. Stops the DEFIMON services first,
# then the beacon node, then geth with time to flush its caches to disk; an unclean geth
# stop means a long state recovery on the next start. Compute Engine gives shutdown
# scripts limited time, so each stop has a bounded timeout.
set -uo pipefail

STACK_DIR=/opt/defimon

compose() {
  docker compose --project-name defimon --project-directory "$STACK_DIR" -f "$STACK_DIR/docker-compose.yml" "$@"
}

if [ ! -f "$STACK_DIR/docker-compose.yml" ] || ! command -v docker >/dev/null 2>&1; then
  exit 0
fi

mapfile -t others < <(compose config --services | grep -v -x -e geth -e lighthouse)
if [ "${#others[@]}" -gt 0 ]; then
  compose stop -t 20 "${others[@]}"
fi
compose stop -t 30 lighthouse
compose stop -t 90 geth
echo "defimon-shutdown: geth stopped"
