/**
 * boot/health.py, the node's head-aware health endpoint: its judgement on recorded
 * JSON-RPC and beacon-API answers (test/boot/rpc/*.json), and the server itself, run
 * with python3 against a loopback stand-in for geth and Lighthouse (and against a port
 * nobody listens on: geth down).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import { AddressInfo } from "net";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const recorded = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "rpc", `${name}.json`), "utf8"));

/** Runs `lines` of Python with boot/health.py importable as `health`, `cases` on its stdin as JSON; its stdout as JSON. */
function python(lines: string[], cases: unknown): any {
  const program = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(root, "boot"))})`,
    "import health",
    "down = lambda v: health.Unreachable(v['unreachable']) if isinstance(v, dict) and 'unreachable' in v else v",
    ...lines,
  ].join("\n");
  const result = spawnSync("python3", ["-c", program], { input: JSON.stringify(cases), encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

type Judgement = { healthy: boolean; reasons: string[]; facts: Record<string, unknown> };
type Case = { recording: Record<string, unknown>; maxHeadAge: number };

/** judge() on each case, in one python3 process (each start costs a quarter second), with each recording's own clock. */
function judgeAll(cases: Case[]): Judgement[] {
  return python(
    [
      "out = []",
      "for c in json.load(sys.stdin):",
      "    r = c['recording']",
      "    ok, reasons, facts = health.judge(down(r['eth_syncing']), down(r['eth_getBlockByNumber']), down(r['beacon_syncing']), r['now'], c['maxHeadAge'])",
      "    out.append({'healthy': ok, 'reasons': reasons, 'facts': facts})",
      "print(json.dumps(out))",
    ],
    cases,
  );
}

const down = { unreachable: "[Errno 111] Connection refused" };
const cases: Record<string, Case> = {
  synced: { recording: recorded("synced"), maxHeadAge: 60 },
  syncing: { recording: recorded("syncing"), maxHeadAge: 60 },
  stale: { recording: recorded("stale"), maxHeadAge: 60 },
  staleWithLongerLimit: { recording: recorded("stale"), maxHeadAge: 900 },
  indexing: { recording: recorded("indexing"), maxHeadAge: 60 },
  elOffline: { recording: recorded("el-offline"), maxHeadAge: 60 },
  gethDown: { recording: { ...recorded("synced"), eth_syncing: down, eth_getBlockByNumber: down }, maxHeadAge: 60 },
  rpcError: {
    recording: { ...recorded("synced"), eth_syncing: { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "the method eth_syncing does not exist/is not available" } } },
    maxHeadAge: 60,
  },
};
let judged: Record<string, Judgement>;
beforeAll(() => {
  const results = judgeAll(Object.values(cases));
  judged = Object.fromEntries(Object.keys(cases).map((name, index) => [name, results[index]]));
});

describe("the health judgement on recorded answers", () => {
  it("is healthy when synced with a recent head (13 s old)", () => {
    expect(judged.synced).toEqual({ healthy: true, reasons: [], facts: { head: 0x16e3600, headAgeSeconds: 13, beaconSyncDistance: 0 } });
  });

  it("is unhealthy while syncing, naming how far geth and Lighthouse are", () => {
    const { healthy, reasons } = judged.syncing;
    expect(healthy).toBe(false);
    expect(reasons).toEqual([
      `geth is syncing: block ${0x1612a40} of ${0x16e3600}`,
      expect.stringMatching(new RegExp(`^head ${0x1612a40} is \\d+ s old \\(at most 60\\)$`)),
      "lighthouse is syncing: 10000 slots behind",
    ]);
  });

  it("is unhealthy on a stale head though geth and Lighthouse say they are synced", () => {
    expect(judged.stale).toMatchObject({ healthy: false, reasons: [`head ${0x16e3600} is 613 s old (at most 60)`] });
  });

  it("takes the head age limit from its argument", () => {
    expect(judged.staleWithLongerLimit.healthy).toBe(true);
  });

  it("is unhealthy while geth indexes transactions at the head", () => {
    expect(judged.indexing).toMatchObject({ healthy: false, reasons: ["geth is indexing transactions: 8192 blocks left"] });
  });

  it("is unhealthy when Lighthouse has lost its execution client", () => {
    expect(judged.elOffline).toMatchObject({ healthy: false, reasons: ["lighthouse reports its execution client offline"] });
  });

  it("is unhealthy when geth is down, and says so for each call", () => {
    expect(judged.gethDown).toMatchObject({
      healthy: false,
      reasons: ["geth eth_syncing: [Errno 111] Connection refused", "geth eth_getBlockByNumber: [Errno 111] Connection refused"],
    });
  });

  it("is unhealthy on a JSON-RPC error", () => {
    expect(judged.rpcError).toMatchObject({ healthy: false, reasons: [expect.stringContaining("geth eth_syncing: {\"code\": -32601")] });
  });
});

describe("the liveness judgement (autohealing)", () => {
  /** alive() over a sequence of (seconds, recording) observations, starting from a server start at 0. */
  function liveness(steps: [number, Record<string, unknown>][], stalledAfter = 1800): { alive: boolean; reasons: string[] }[] {
    return python(
      [
        "state, out = (None, 0), []",
        "for now, r in json.load(sys.stdin):",
        "    moved = health.progress(down(r['eth_syncing']), down(r['eth_getBlockByNumber']), down(r['beacon_syncing']))",
        `    ok, reasons, state = health.alive(state, now, moved, ${stalledAfter})`,
        "    out.append({'alive': ok, 'reasons': reasons})",
        "print(json.dumps(out))",
      ],
      steps,
    );
  }

  it("keeps a syncing node alive while it moves, and gives it up once it has stood still too long", () => {
    const syncing = recorded("syncing");
    const further = { ...syncing, eth_syncing: { ...syncing.eth_syncing, result: { ...syncing.eth_syncing.result, currentBlock: "0x1612b00" } } };
    const down = { ...syncing, eth_syncing: { unreachable: "refused" }, eth_getBlockByNumber: { unreachable: "refused" }, beacon_syncing: { unreachable: "refused" } };
    const verdicts = liveness([
      [10, syncing], // first sight: moved
      [1800, syncing], // 1790 s still: alive
      [1811, syncing], // 1801 s still: stalled
      [1900, further], // moved again
      [1950, down], // geth and Lighthouse gone: a change, then...
      [3751, down], // ...1801 s of nothing
    ]);
    expect(verdicts.map((v) => v.alive)).toEqual([true, true, false, true, true, false]);
    expect(verdicts[2].reasons).toEqual([expect.stringMatching(/^the chain has not moved for 1801 s \(at most 1800\)/)]);
  });
});

describe("which of the network's upgrades the running clients schedule", () => {
  const hoodi = recorded("hoodi-schedules");
  /** 2026-12-06 12:00 UTC, and the moment after hoodi's Glamsterdam. */
  const before = 1796558400;
  const after = 1797361945;
  /** schedules() and missing() on each case. */
  function scheduled(list: { ethConfig: unknown; spec: unknown; now: number }[]): { found: { client: string; upgrade: string; scheduled: boolean | null; active: boolean }[]; off: string[]; ahead: string[] }[] {
    return python(
      [
        "out = []",
        "for c in json.load(sys.stdin):",
        `    found = health.schedules(down(c['ethConfig']), down(c['spec']), ${JSON.stringify(hoodi.upgrades)}, c['now'])`,
        "    off, ahead = health.missing(found)",
        "    out.append({'found': found, 'off': off, 'ahead': ahead})",
        "print(json.dumps(out))",
      ],
      list,
    );
  }
  const verdicts = (found: { client: string; upgrade: string; scheduled: boolean | null }[]) => found.map((item) => `${item.client} ${item.upgrade} ${item.scheduled}`);

  it("reads geth's eth_config and Lighthouse's spec (fork epochs, the blob schedule's epochs) against the catalog's times", () => {
    const [old, current] = scheduled([
      { ethConfig: hoodi.eth_config_unscheduled, spec: hoodi.spec_unscheduled, now: before },
      { ethConfig: hoodi.eth_config_scheduled, spec: hoodi.spec_scheduled, now: before },
    ]);
    expect(verdicts(old.found)).toEqual([
      "geth Fusaka true", "lighthouse Fusaka true", "geth BPO1 true", "lighthouse BPO1 true", "geth BPO2 true", "lighthouse BPO2 true",
      "geth Glamsterdam false", "lighthouse Glamsterdam false",
    ]);
    expect(old.off).toEqual([]);
    expect(old.ahead).toEqual(["geth does not schedule Glamsterdam (Amsterdam) at 2026-12-15 19:12:24 UTC", "lighthouse does not schedule Glamsterdam (Gloas) at 2026-12-15 19:12:24 UTC"]);
    expect(verdicts(current.found).filter((line) => line.includes("Glamsterdam"))).toEqual(["geth Glamsterdam true", "lighthouse Glamsterdam true"]);
    expect(current.ahead).toEqual([]);
  });

  it("does not take a withdrawn date for the current one", () => {
    const [withdrawn] = scheduled([{ ethConfig: hoodi.eth_config_withdrawn, spec: hoodi.spec_scheduled, now: before }]);
    expect(withdrawn.ahead).toEqual(["geth does not schedule Glamsterdam (Amsterdam) at 2026-12-15 19:12:24 UTC"]);
  });

  it("says a client that misses an active upgrade has left the chain, and does not guess when a client does not answer", () => {
    const [off, silent] = scheduled([
      { ethConfig: hoodi.eth_config_unscheduled, spec: hoodi.spec_scheduled, now: after },
      { ethConfig: hoodi.eth_config_missing, spec: down, now: before },
    ]);
    expect(off.off).toEqual(["geth does not schedule Glamsterdam (Amsterdam) at 2026-12-15 19:12:24 UTC"]);
    expect(silent.found.map((item) => item.scheduled)).toEqual(Array(8).fill(null));
    expect(silent.off).toEqual([]);
  });

  it("exposes them to Prometheus: 1 scheduled, 0 not, -1 not said", () => {
    const text: string = python(
      [
        "c = json.load(sys.stdin)",
        "found = health.schedules(c['ethConfig'], health.Unreachable('refused'), c['upgrades'], c['now'])",
        "print(json.dumps(health.metrics(found, True, True)))",
      ],
      { ethConfig: hoodi.eth_config_unscheduled, upgrades: hoodi.upgrades.slice(3), now: before },
    );
    expect(text.split("\n").filter((line) => !line.startsWith("#"))).toEqual([
      'defimon_client_schedules_upgrade{client="geth",upgrade="Glamsterdam",activation="1797361944"} 0',
      'defimon_client_schedules_upgrade{client="lighthouse",upgrade="Glamsterdam",activation="1797361944"} -1',
      "defimon_node_ready 1",
      "defimon_node_live 1",
      "",
    ]);
  });
});

describe("a stall that a new node would share (autohealing must not recreate every node)", () => {
  /** alive() after a stall of 1801 s, with the beacon node's answer and what the clients miss. */
  function stalled(beacon: unknown, offChain: string[]): { alive: boolean; reasons: string[] } {
    return python(
      [
        "c = json.load(sys.stdin)",
        "ok, reasons, _ = health.alive(('[1]', 0), 1801, '[1]', 1800, down(c['beacon']), c['offChain'])",
        "print(json.dumps({'alive': ok, 'reasons': reasons}))",
      ],
      { beacon, offChain },
    );
  }
  const beacon = (isSyncing: boolean, elOffline = false) => ({ data: { head_slot: "4500000", sync_distance: "300", is_syncing: isSyncing, is_optimistic: false, el_offline: elOffline } });

  it("keeps a node whose client misses an active upgrade: a new one would run the same release", () => {
    const verdict = stalled(beacon(true), ["geth does not schedule Glamsterdam (Amsterdam) at 2026-12-15 19:12:24 UTC"]);
    expect(verdict.alive).toBe(true);
    expect(verdict.reasons[1]).toMatch(/^kept: geth does not schedule Glamsterdam .*upgrade the client instead$/);
  });

  it("keeps a node whose beacon node has no peer ahead of it: the chain stands still for everyone", () => {
    expect(stalled(beacon(false), [])).toMatchObject({ alive: true, reasons: [expect.stringMatching(/^the chain has not moved/), expect.stringMatching(/^kept: the beacon node has no peer ahead of it/)] });
  });

  it("gives up a node that is behind its peers, has lost its execution client, or whose beacon node is down", () => {
    expect(stalled(beacon(true), []).alive).toBe(false);
    expect(stalled(beacon(false, true), []).alive).toBe(false);
    expect(stalled(down, []).alive).toBe(false);
  });
});

/** A loopback geth and Lighthouse that answer from one recording (or whichever `current` returns), its block re-dated to now. */
function standIn(recording: Record<string, any> | (() => Record<string, any>)): Promise<http.Server> {
  const current = typeof recording === "function" ? recording : () => recording;
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const recording = current();
      let answer: unknown;
      if (request.url === "/eth/v1/node/syncing") answer = recording.beacon_syncing;
      else if (request.url === "/eth/v1/config/spec") answer = recording.beacon_spec ?? { data: {} };
      else {
        const method = JSON.parse(body).method as string;
        answer = recording[method];
        if (method === "eth_getBlockByNumber" && recording[method].result) {
          const age = recording.now - parseInt(recording[method].result.timestamp, 16);
          answer = { ...recording[method], result: { ...recording[method].result, timestamp: `0x${(Math.floor(Date.now() / 1000) - age).toString(16)}` } };
        }
      }
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const port = (server: http.Server | { address(): unknown }) => (server.address() as AddressInfo).port;

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const free = port(probe);
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

/** Runs boot/health.py on a free loopback port; GETs `url` once it serves. */
async function serve(geth: string, beacon: string, get: (base: string) => Promise<{ status: number; body: any }[]>, upgrades: unknown[] = [], env: Record<string, string> = {}) {
  const listen = await freePort();
  const upgradesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "defimon-health-")), "upgrades.json");
  fs.writeFileSync(upgradesFile, JSON.stringify(upgrades));
  const child = spawn("python3", [path.join(root, "boot", "health.py")], {
    env: { PATH: process.env.PATH, GETH_RPC_URL: geth, BEACON_API_URL: beacon, MAX_HEAD_AGE_SECONDS: "60", STALLED_AFTER_SECONDS: "1800", UPGRADES_FILE: upgradesFile, PORT: String(listen), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("health.py did not start within 10 s")), 10_000);
      child.stdout!.on("data", (chunk) => String(chunk).includes("serving") && (clearTimeout(timer), resolve()));
      child.on("exit", (code) => (clearTimeout(timer), reject(new Error(`health.py exited ${code}`))));
    });
    return await get(`http://127.0.0.1:${listen}`);
  } finally {
    child.kill();
    fs.rmSync(path.dirname(upgradesFile), { recursive: true, force: true });
  }
}

const fetchJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
};

describe("the health server", () => {
  it("answers 200 for a synced node (ready and alive), 503 for a syncing one, 404 elsewhere", async () => {
    const synced = await standIn(recorded("synced"));
    const syncing = await standIn(recorded("syncing"));
    try {
      const [ok, live, notFound] = await serve(`http://127.0.0.1:${port(synced)}`, `http://127.0.0.1:${port(synced)}`, (base) =>
        Promise.all([fetchJson(`${base}/health`), fetchJson(`${base}/health/live`), fetchJson(`${base}/other`)]),
      );
      expect(ok).toMatchObject({ status: 200, body: { healthy: true, reasons: [] } });
      expect(live).toMatchObject({ status: 200, body: { healthy: true } });
      expect(notFound.status).toBe(404);
      const [behind] = await serve(`http://127.0.0.1:${port(syncing)}`, `http://127.0.0.1:${port(syncing)}`, (base) => Promise.all([fetchJson(`${base}/health`)]));
      expect(behind).toMatchObject({ status: 503, body: { healthy: false } });
    } finally {
      synced.close();
      syncing.close();
    }
  });

  it("tells, ahead of the upgrade, that the running clients do not schedule it, on /health and on /metrics", async () => {
    const hoodi = recorded("hoodi-schedules");
    const node = await standIn({ ...recorded("synced"), eth_config: hoodi.eth_config_unscheduled, beacon_spec: hoodi.spec_unscheduled });
    try {
      const url = `http://127.0.0.1:${port(node)}`;
      // Glamsterdam a day from now: ahead, not active.
      const upgrades = [{ ...hoodi.upgrades[3], time: Math.floor(Date.now() / 1000) + 86400 }];
      const [ready, metrics] = await serve(url, url, (base) => Promise.all([fetchJson(`${base}/health`), fetch(`${base}/metrics`).then(async (r) => ({ status: r.status, body: await r.text() }))]), upgrades);
      expect(ready).toMatchObject({ status: 200, body: { healthy: true, upgradesAhead: [expect.stringMatching(/^geth does not schedule Glamsterdam \(Amsterdam\) at /), expect.stringMatching(/^lighthouse does not schedule Glamsterdam \(Gloas\) at /)] } });
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain(`defimon_client_schedules_upgrade{client="geth",upgrade="Glamsterdam",activation="${upgrades[0].time}"} 0\n`);
      expect(metrics.body).toContain("defimon_node_ready 1\n");
    } finally {
      node.close();
    }
  });

  it("gates the services' connections to geth: through while ready, refused and cut once the node falls behind", async () => {
    let answers = recorded("synced");
    const node = await standIn(() => answers);
    const gate = await freePort();
    /** A JSON-RPC request through the gate: its answer, or the socket's error. */
    const call = () =>
      fetch(`http://127.0.0.1:${gate}/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_syncing", params: [] }) })
        .then(async (r) => ((await r.json()) as { result: unknown }).result)
        .catch(() => "refused");
    const until = async (what: () => Promise<unknown>, want: unknown) => {
      for (let i = 0; i < 40; i += 1) {
        if ((await what()) === want) return want;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return what();
    };
    try {
      const url = `http://127.0.0.1:${port(node)}`;
      const [open, held, closed] = await serve(
        url,
        url,
        async () => {
          const open = await until(call, false);
          // A connection held open (a WebSocket's): cut when the node falls behind.
          const socket = require("net").connect(gate, "127.0.0.1");
          const cut = new Promise((resolve) => socket.on("close", () => resolve("cut")));
          await new Promise((resolve) => socket.on("connect", resolve));
          answers = recorded("syncing");
          const held = await Promise.race([cut, new Promise((resolve) => setTimeout(() => resolve("still open"), 10_000))]);
          const closed = await until(call, "refused");
          return [{ status: 0, body: open }, { status: 0, body: held }, { status: 0, body: closed }];
        },
        [],
        { GATE: `${gate}=127.0.0.1:${port(node)}`, GATE_CHECK_SECONDS: "1" },
      );
      expect([open.body, held.body, closed.body]).toEqual([false, "cut", "refused"]);
    } finally {
      node.close();
    }
  });

  it("answers 503 when geth and Lighthouse are down", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const [down] = await serve(nobody, nobody, (base) => Promise.all([fetchJson(`${base}/health`)]));
    expect(down.status).toBe(503);
    expect(down.body.reasons).toEqual([
      expect.stringMatching(/^geth eth_syncing: .*Connection refused/),
      expect.stringMatching(/^geth eth_getBlockByNumber: .*Connection refused/),
      expect.stringMatching(/^lighthouse: .*Connection refused/),
    ]);
  });
});
