#!/usr/bin/env python3
"""DEFIMON node health, for the node group's autohealing and its load balancer.

GET /health answers 200 only when this node can serve current chain data:
  - geth answers JSON-RPC and eth_syncing is false (geth also reports progress while it
    still indexes transactions: such a node cannot look transactions up, so it waits too);
  - geth's latest block is at most MAX_HEAD_AGE_SECONDS old (a node that stopped
    following the chain leaves the pool instead of serving stale data);
  - Lighthouse's /eth/v1/node/syncing says it is not syncing and its execution client is
    online (without a synced beacon node geth's head stops moving).
Otherwise 503, with the reasons in the JSON body.

GET /health/live is the group's autohealing check: 200 while the chain moves (geth's
head, its sync progress or Lighthouse's head slot changed within STALLED_AFTER_SECONDS),
503 once it has stood still that long (geth or Lighthouse down, or stuck). A node that is
behind but catching up stays alive: it only leaves the balancer. Any other path is 404.

Runs as its own container of the node's compose project (python image, standard
library only); reads GETH_RPC_URL, BEACON_API_URL, MAX_HEAD_AGE_SECONDS,
STALLED_AFTER_SECONDS and PORT. `judge` and `alive` are pure: test/boot/health.test.ts
feeds them recorded answers.
"""
import http.server
import json
import os
import socketserver
import threading
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3


class Unreachable(Exception):
    """An upstream that did not answer, or answered something that is not JSON."""


def judge(syncing, latest, beacon, now, max_head_age):
    """Whether the node is healthy, and why not.

    syncing, latest: geth's JSON-RPC responses (whole envelopes) to eth_syncing and to
    eth_getBlockByNumber("latest", false); beacon: Lighthouse's /eth/v1/node/syncing
    body. Any of them may be an Unreachable. Returns (healthy, reasons, facts).
    """
    reasons = []
    facts = {}

    def result(name, response):
        if isinstance(response, Unreachable):
            reasons.append("geth %s: %s" % (name, response))
            return None
        if not isinstance(response, dict) or "error" in response or "result" not in response:
            error = response.get("error") if isinstance(response, dict) else response
            reasons.append("geth %s: %s" % (name, json.dumps(error)))
            return None
        return response["result"]

    progress = result("eth_syncing", syncing)
    if progress is not None and progress is not False:
        if isinstance(progress, dict):
            current = int(progress.get("currentBlock", "0x0"), 16)
            highest = int(progress.get("highestBlock", "0x0"), 16)
            remaining = int(progress.get("txIndexRemainingBlocks", "0x0"), 16)
            facts["syncing"] = {"currentBlock": current, "highestBlock": highest, "txIndexRemainingBlocks": remaining}
            if current < highest:
                reasons.append("geth is syncing: block %d of %d" % (current, highest))
            else:
                reasons.append("geth is indexing transactions: %d blocks left" % remaining)
        else:
            reasons.append("geth eth_syncing: unexpected %s" % json.dumps(progress))

    block = result("eth_getBlockByNumber", latest)
    if isinstance(block, dict):
        number = int(block["number"], 16)
        age = now - int(block["timestamp"], 16)
        facts["head"] = number
        facts["headAgeSeconds"] = age
        if age > max_head_age:
            reasons.append("head %d is %d s old (at most %d)" % (number, age, max_head_age))
    elif isinstance(latest, dict) and "result" in latest:
        reasons.append("geth has no latest block: %s" % json.dumps(block))

    if isinstance(beacon, Unreachable):
        reasons.append("lighthouse: %s" % beacon)
    else:
        data = beacon.get("data") if isinstance(beacon, dict) else None
        if not isinstance(data, dict):
            reasons.append("lighthouse: unexpected %s" % json.dumps(beacon))
        else:
            facts["beaconSyncDistance"] = int(data.get("sync_distance", "0"))
            if data.get("is_syncing") is not False:
                reasons.append("lighthouse is syncing: %s slots behind" % data.get("sync_distance", "?"))
            if data.get("el_offline") is True:
                reasons.append("lighthouse reports its execution client offline")

    return (not reasons, reasons, facts)


def progress(syncing, latest, beacon):
    """What moves while the chain is followed: geth's head and sync progress, and
    Lighthouse's head slot (None for what did not answer)."""
    def value(response, pick):
        try:
            return pick(response)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
    return json.dumps([
        value(syncing, lambda r: r["result"]),
        value(latest, lambda r: r["result"]["number"]),
        value(beacon, lambda r: r["data"]["head_slot"]),
    ], sort_keys=True)


def alive(state, now, moved, stalled_after):
    """state: (last progress, when it last changed). Returns (alive, reasons, new state)."""
    last, since = state
    if moved != last:
        return (True, [], (moved, now))
    still = now - since
    if still > stalled_after:
        return (False, ["the chain has not moved for %d s (at most %d): %s" % (still, stalled_after, moved)], state)
    return (True, [], state)


def fetch(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        # A JSON-RPC server answers errors with a body; a beacon API with a status.
        try:
            return json.load(error)
        except ValueError:
            return Unreachable("HTTP %d" % error.code)
    except (OSError, ValueError) as error:
        return Unreachable(str(getattr(error, "reason", error)))


def rpc(url, method, params):
    return fetch(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})


def observe(geth, beacon):
    return (
        rpc(geth, "eth_syncing", []),
        rpc(geth, "eth_getBlockByNumber", ["latest", False]),
        fetch(beacon.rstrip("/") + "/eth/v1/node/syncing"),
    )


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "defimon-health"

    def do_GET(self):
        path = self.path.split("?")[0]
        if path not in ("/health", "/health/live"):
            self.answer(404, {"error": "not found; GET /health or /health/live"})
            return
        server = self.server
        answers = observe(server.geth, server.beacon)
        now = int(time.time())
        if path == "/health":
            healthy, reasons, facts = judge(*answers, now, server.max_head_age)
        else:
            with server.lock:
                healthy, reasons, server.progress = alive(server.progress, now, progress(*answers), server.stalled_after)
            facts = {}
        self.answer(200 if healthy else 503, dict(facts, healthy=healthy, reasons=reasons))

    def answer(self, status, body):
        text = (json.dumps(body, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format, *args):
        # Health checks come every few seconds from several probers: log only failures.
        if len(args) > 1 and str(args[1]) != "200":
            super().log_message(format, *args)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    server.geth = os.environ["GETH_RPC_URL"]
    server.beacon = os.environ["BEACON_API_URL"]
    server.max_head_age = int(os.environ["MAX_HEAD_AGE_SECONDS"])
    server.stalled_after = int(os.environ["STALLED_AFTER_SECONDS"])
    # Nothing seen yet: the clock of a stall starts with the server.
    server.progress = (None, int(time.time()))
    server.lock = threading.Lock()
    print("defimon-health: serving /health on port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
