#!/bin/sh
# A stand-in for one of the host's containers (geth, lighthouse, prometheus, grafana, a
# DEFIMON service), run by busybox. It behaves like the real one where the boot test
# looks: it reads its secret as the real image's user does and fails when the secret is
# missing, a directory or unreadable; it serves the port its health check asks; and it
# records its start and the signals it gets, with the kernel's uptime (shared by every
# container, so the records order across containers), in its data folder and on stdout.
ROLE=${STANDIN_ROLE:-$(basename "$0")}

event() {
  line="$ROLE $1 $(cut -d' ' -f1 /proc/uptime)"
  echo "standin: $line"
  [ -n "$EVENTS" ] && echo "$line" >>"$EVENTS"
  return 0
}

need_secret() {
  if [ -d "$1" ]; then event "secret-is-a-directory"; exit 1; fi
  if [ ! -f "$1" ]; then event "secret-missing"; exit 1; fi
  if ! cat "$1" >/dev/null 2>&1; then event "secret-unreadable"; exit 1; fi
  if [ ! -s "$1" ]; then event "secret-empty"; exit 1; fi
  event "secret-ok:$(id -u):$(wc -c <"$1" | tr -d ' ')"
}

case "$ROLE" in
  geth)
    # The real image's entrypoint is geth; only the run is stood in.
    EVENTS=/data/standin-events.log
    need_secret /secrets/jwt.hex
    grep -qE '^[0-9a-f]{64}$' /secrets/jwt.hex || { event "jwt-not-hex"; exit 1; }
    # As geth does: a node key is made at the first start, and kept.
    [ -f /data/geth/nodekey ] || { mkdir -p /data/geth && echo "standin-key-$(cut -d' ' -f1 /proc/uptime)" >/data/geth/nodekey; }
    nc -ll -p 8545 -e /bin/rpc &
    ;;
  lighthouse)
    EVENTS=/data/standin-events.log
    [ "$1" = beacon_node ] || { event "bad-command:$1"; exit 1; }
    need_secret /secrets/jwt.hex
    ;;
  prometheus)
    EVENTS=/prometheus/standin-events.log
    mkdir -p /tmp/www/-/ && echo ok >/tmp/www/-/healthy
    httpd -p 9090 -h /tmp/www
    ;;
  grafana)
    EVENTS=/var/lib/grafana/standin-events.log
    # Grafana reads GF_*__FILE into the variable at start; no file, no password.
    need_secret "$GF_SECURITY_ADMIN_PASSWORD__FILE"
    # As Grafana's file provisioning reads them, as its user: the provider, then each
    # dashboard in the folder the provider names (lib/render/grafanaDashboards.ts).
    count=0
    for file in /etc/grafana/provisioning/dashboards/*.yml /etc/grafana/dashboards/defimon/*.json; do
      if [ ! -f "$file" ] || [ ! -s "$file" ] || ! cat "$file" >/dev/null 2>&1; then event "dashboard-unreadable:$file"; exit 1; fi
      count=$((count + 1))
    done
    event "dashboards-ok:$(id -u):$count"
    mkdir -p /tmp/www/api && echo '{"database":"ok"}' >/tmp/www/api/health
    httpd -p 3000 -h /tmp/www
    ;;
  *)
    EVENTS=""
    ;;
esac

event start
trap 'event TERM; sleep 1; event exit; exit 0' TERM
trap 'event INT; exit 0' INT
while :; do
  sleep 3600 &
  wait $!
done
