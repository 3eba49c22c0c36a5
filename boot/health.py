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
behind but catching up stays alive: it only leaves the balancer. A stall that a new node
would share stays alive too, so that autohealing does not recreate every node at once,
again and again: when a running client does not schedule an upgrade already active on
the network (a new node from the same template runs the same release), or when the
beacon node has no peer ahead of it (is_syncing false: the chain stands still for its
peers as well).

Both also say which of the network's upgrades (UPGRADES_FILE: from the stack's dated
catalog, data/network-upgrades.json) the running clients schedule, from geth's eth_config
(EIP-7910) and Lighthouse's /eth/v1/config/spec: before an upgrade, so the operator can
upgrade in time. GET /metrics has it for Prometheus and the Ops Agent
(defimon_client_schedules_upgrade: 1 yes, 0 no, -1 unknown), which an alert watches.
Any other path is 404.

On a group's nodes it is also the DEFIMON services' way to geth (GATE): a TCP gate per
port (JSON-RPC, WebSocket) that lets connections through to geth only while this node is
ready, and closes every open one when it stops being so. A service on a node would
otherwise read its own geth whatever its state (the balancer's address routes to the node
itself); through the gate it gets no answer rather than a stale one, and a consumer's
nack hands its messages to a node that is current.

Runs as its own container of the node's compose project (python image, standard
library only); reads GETH_RPC_URL, BEACON_API_URL, MAX_HEAD_AGE_SECONDS,
STALLED_AFTER_SECONDS, UPGRADES_FILE (upgrades.json), PORT, and on a group's nodes GATE
("<port>=<host>:<port> ...") and GATE_CHECK_SECONDS. `judge`, `schedules` and `alive` are pure:
test/boot/health.test.ts feeds them recorded answers.
"""
import http.server
import json
import os
import re
import socket
import socketserver
import threading
import time
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3
# The clients' fork schedules change only when they restart: read again at most this often.
CONFIG_SECONDS = 300


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


def alive(state, now, moved, stalled_after, beacon=None, off_chain=()):
    """state: (last progress, when it last changed). Returns (alive, reasons, new state).

    beacon: Lighthouse's /eth/v1/node/syncing answer; off_chain: what schedules() found a
    running client missing of the active upgrades. A stall stays alive when a new node
    would stall the same way: recreating it would not help, and on a group it would
    recreate every node at once. The reasons then say why it is kept.
    """
    last, since = state
    if moved != last:
        return (True, [], (moved, now))
    still = now - since
    if still <= stalled_after:
        return (True, [], state)
    stalled = "the chain has not moved for %d s (at most %d): %s" % (still, stalled_after, moved)
    if off_chain:
        return (True, [stalled, "kept: %s; a new node runs the same release, so upgrade the client instead" % "; ".join(off_chain)], state)
    data = beacon.get("data") if isinstance(beacon, dict) else None
    if isinstance(data, dict) and data.get("is_syncing") is False and data.get("el_offline") is not True:
        return (True, [stalled, "kept: the beacon node has no peer ahead of it (is_syncing false): the chain stands still for its peers too, and a new node would not do better"], state)
    return (False, [stalled], state)


def _result(response):
    """A JSON-RPC answer's result, or (None, why not)."""
    if isinstance(response, Unreachable):
        return None, str(response)
    if not isinstance(response, dict) or "error" in response or "result" not in response:
        return None, json.dumps(response.get("error") if isinstance(response, dict) else response)
    return response["result"], None


def schedules(eth_config, spec, upgrades, now):
    """Which of the network's upgrades the running clients schedule at the catalog's time.

    eth_config: geth's answer to eth_config (EIP-7910: current, next and last fork, each
    with its activationTime); spec: Lighthouse's /eth/v1/config/spec body; upgrades: the
    catalog's [{upgrade, execution, consensus, time, epoch}]. Returns one entry per client
    and upgrade: scheduled True, False, or None (the client did not say).
    """
    found = []
    config, config_error = _result(eth_config)
    data = spec.get("data") if isinstance(spec, dict) else None
    for upgrade in upgrades:
        time_, epoch = int(upgrade["time"]), int(upgrade["epoch"])
        active = time_ <= now
        entry = {"upgrade": upgrade["upgrade"], "activation": time_, "active": active}

        if not isinstance(config, dict):
            geth = dict(entry, client="geth", fork=upgrade["execution"], scheduled=None, detail="eth_config: %s" % (config_error or json.dumps(config)))
        else:
            def at(name):
                fork = config.get(name)
                return int(fork["activationTime"]) if isinstance(fork, dict) and fork.get("activationTime") is not None else None
            current, next_, last = at("current"), at("next"), at("last")
            if active:
                scheduled = current is not None and current >= time_
            elif time_ in (next_, last):
                scheduled = True
            elif next_ is not None and last is not None and next_ < time_ < last:
                scheduled = None
            else:
                scheduled = False
            geth = dict(entry, client="geth", fork=upgrade["execution"], scheduled=scheduled, detail="current fork since %s, next %s" % (current, next_))

        if not isinstance(data, dict):
            lighthouse = dict(entry, client="lighthouse", fork=upgrade["consensus"], scheduled=None, detail="config/spec: %s" % (spec if isinstance(spec, Unreachable) else json.dumps(spec)))
        elif re.match(r"^BPO[0-9]+$", upgrade["consensus"]):
            epochs = [str(item.get("EPOCH")) for item in data.get("BLOB_SCHEDULE") or [] if isinstance(item, dict)]
            lighthouse = dict(entry, client="lighthouse", fork=upgrade["consensus"], scheduled=str(epoch) in epochs, detail="BLOB_SCHEDULE epochs %s" % ", ".join(epochs))
        else:
            key = "%s_FORK_EPOCH" % upgrade["consensus"].upper()
            lighthouse = dict(entry, client="lighthouse", fork=upgrade["consensus"], scheduled=str(data.get(key)) == str(epoch), detail="%s = %s" % (key, data.get(key)))
        found.extend([geth, lighthouse])
    return found


def missing(found):
    """(active upgrades a running client misses, upcoming ones), each as a sentence."""
    def say(item):
        return "%s does not schedule %s (%s) at %s" % (item["client"], item["upgrade"], item["fork"], time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(item["activation"])))
    off = [say(item) for item in found if item["scheduled"] is False and item["active"]]
    ahead = [say(item) for item in found if item["scheduled"] is False and not item["active"]]
    return off, ahead


def metrics(found, ready, live):
    """Prometheus text exposition of what the endpoint knows."""
    lines = [
        "# HELP defimon_client_schedules_upgrade Whether the running client schedules the network upgrade at the stack's catalog time: 1 yes, 0 no, -1 it did not say.",
        "# TYPE defimon_client_schedules_upgrade gauge",
    ]
    for item in found:
        value = {True: 1, False: 0, None: -1}[item["scheduled"]]
        lines.append('defimon_client_schedules_upgrade{client="%s",upgrade="%s",activation="%d"} %d' % (item["client"], item["upgrade"], item["activation"], value))
    lines += [
        "# HELP defimon_node_ready 1 while /health answers 200.",
        "# TYPE defimon_node_ready gauge",
        "defimon_node_ready %d" % (1 if ready else 0),
        "# HELP defimon_node_live 1 while /health/live answers 200.",
        "# TYPE defimon_node_live gauge",
        "defimon_node_live %d" % (1 if live else 0),
    ]
    return "\n".join(lines) + "\n"


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


def client_configs(server, now):
    """geth's eth_config and Lighthouse's spec, read again every CONFIG_SECONDS."""
    with server.lock:
        if server.configs is not None and now - server.configs_at < CONFIG_SECONDS:
            return server.configs
    configs = (rpc(server.geth, "eth_config", []), fetch(server.beacon.rstrip("/") + "/eth/v1/config/spec"))
    answered = not any(isinstance(answer, Unreachable) for answer in configs)
    with server.lock:
        # What did not answer is asked again at the next request.
        if answered:
            server.configs, server.configs_at = configs, now
    return configs


def readiness(server, answers, now):
    """/health's verdict on observed answers: the reasons it is not ready (none: ready), its
    facts, the running clients' schedules, and the active upgrades they miss."""
    found = schedules(*client_configs(server, now), server.upgrades, now)
    off_chain, ahead = missing(found)
    _, reasons, facts = judge(*answers, now, server.max_head_age)
    reasons += ["%s, active: this node left the chain" % item for item in off_chain]
    return reasons, dict(facts, upgrades=found, upgradesAhead=ahead), found, off_chain


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "defimon-health"

    def do_GET(self):
        path = self.path.split("?")[0]
        if path not in ("/health", "/health/live", "/metrics"):
            self.answer(404, {"error": "not found; GET /health, /health/live or /metrics"})
            return
        server = self.server
        answers = observe(server.geth, server.beacon)
        now = int(time.time())
        reasons, facts, found, off_chain = readiness(server, answers, now)
        with server.lock:
            live, live_reasons, server.progress = alive(server.progress, now, progress(*answers), server.stalled_after, answers[2], off_chain)
        if path == "/metrics":
            text = metrics(found, not reasons, live).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
        elif path == "/health":
            self.answer(200 if not reasons else 503, dict(facts, healthy=not reasons, reasons=reasons))
        else:
            self.answer(200 if live else 503, {"healthy": live, "reasons": live_reasons, "upgradesAhead": facts["upgradesAhead"]})

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


def ready_now(server):
    """Whether this node may serve now: /health's verdict (the gate's)."""
    return not readiness(server, observe(server.geth, server.beacon), int(time.time()))[0]


class Gate:
    """A TCP gate to one upstream: connections pass only while `ready` is set."""

    def __init__(self, port, upstream, ready):
        self.upstream = upstream
        self.ready = ready
        self.lock = threading.Lock()
        self.open = set()
        self.listener = socket.create_server(("0.0.0.0", port), reuse_port=False)

    def serve(self):
        while True:
            client, _ = self.listener.accept()
            if not self.ready.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=TIMEOUT_SECONDS)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self.lock:
                self.open.add(pair)
            for source, target in (pair, pair[::-1]):
                threading.Thread(target=self.relay, args=(source, target, pair), daemon=True).start()

    def relay(self, source, target, pair):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        self.close(pair)

    def close(self, pair):
        with self.lock:
            self.open.discard(pair)
        for sock in pair:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close_all(self):
        with self.lock:
            pairs = list(self.open)
        for pair in pairs:
            self.close(pair)


def gates(spec):
    """GATE's "8545=geth:8545 8546=geth:8546" as [(port, (host, port))]."""
    found = []
    for item in spec.split():
        port, upstream = item.split("=", 1)
        host, upstream_port = upstream.rsplit(":", 1)
        found.append((int(port), (host, int(upstream_port))))
    return found


def watch(server, ready, opened, every):
    """Judges the node every `every` seconds; closes the gates' connections when it stops being ready."""
    while True:
        try:
            now_ready = ready_now(server)
        except Exception as error:  # a judgement that fails is no readiness
            print("defimon-health: readiness check failed: %s" % error, flush=True)
            now_ready = False
        if now_ready:
            ready.set()
        elif ready.is_set():
            ready.clear()
            print("defimon-health: not ready: closing the services' connections to geth", flush=True)
            for gate in opened:
                gate.close_all()
        time.sleep(every)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    server.geth = os.environ["GETH_RPC_URL"]
    server.beacon = os.environ["BEACON_API_URL"]
    server.max_head_age = int(os.environ["MAX_HEAD_AGE_SECONDS"])
    server.stalled_after = int(os.environ["STALLED_AFTER_SECONDS"])
    with open(os.environ["UPGRADES_FILE"]) as upgrades:
        server.upgrades = json.load(upgrades)
    server.configs, server.configs_at = None, 0
    # Nothing seen yet: the clock of a stall starts with the server.
    server.progress = (None, int(time.time()))
    server.lock = threading.Lock()
    spec = os.environ.get("GATE", "")
    if spec:
        ready = threading.Event()
        opened = [Gate(port, upstream, ready) for port, upstream in gates(spec)]
        for gate in opened:
            threading.Thread(target=gate.serve, daemon=True).start()
        threading.Thread(target=watch, args=(server, ready, opened, int(os.environ.get("GATE_CHECK_SECONDS", "5"))), daemon=True).start()
        print("defimon-health: gating %s" % spec, flush=True)
    print("defimon-health: serving /health on port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
