/**
 * boot/health.py, the node's head-aware health endpoint: its judgement on recorded
 * JSON-RPC and beacon-API answers (test/boot/rpc/*.json), and the server itself, run
 * with python3 against a loopback stand-in for geth and Lighthouse (and against a port
 * nobody listens on: geth down).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
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

/** A loopback geth and Lighthouse that answer from one recording, its block re-dated to now. */
function standIn(recording: Record<string, any>): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      let answer: unknown;
      if (request.url === "/eth/v1/node/syncing") answer = recording.beacon_syncing;
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
async function serve(geth: string, beacon: string, get: (base: string) => Promise<{ status: number; body: any }[]>) {
  const listen = await freePort();
  const child = spawn("python3", [path.join(root, "boot", "health.py")], {
    env: { PATH: process.env.PATH, GETH_RPC_URL: geth, BEACON_API_URL: beacon, MAX_HEAD_AGE_SECONDS: "60", STALLED_AFTER_SECONDS: "1800", PORT: String(listen) },
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
