/**
 * `npm run bus:local`: the emulator with the dev stack's bus, used from the environment it
 * prints (a publish and a pull over the emulator's REST API, as a service would), then
 * stopped by Ctrl-C with nothing left listening; and its bad input, one line each.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const command = [path.join(root, "scripts", "ts.js"), "scripts/busLocal.ts"];
jest.setTimeout(90_000);

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

describe("npm run bus:local", () => {
  it("serves a service's publish and pull from the environment it prints, and stops on Ctrl-C with nothing left", async () => {
    // Its own process group, so that whatever it started can be found and ended by the test too.
    const child = spawn(process.execPath, [...command, "--stack", "dev"], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      for (let waited = 0; !out.includes("ready; Ctrl-C stops the emulator") && waited < 60_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
      expect(out).toContain("ready; Ctrl-C stops the emulator");
      expect(out).toContain("no schema");
      const block = /# batch-processing\n((?:  [A-Z_]+=.*\n)+)/.exec(out)![1];
      const env = Object.fromEntries(block.trim().split("\n").map((line) => line.trim().split("=") as [string, string]));
      expect(Object.keys(env)).toEqual(["PUBSUB_EMULATOR_HOST", "PUBSUB_PROJECT_ID", "PUBSUB_TOPIC", "PUBSUB_SUBSCRIPTION"]);
      const api = `http://${env.PUBSUB_EMULATOR_HOST}/v1/projects/${env.PUBSUB_PROJECT_ID}`;
      const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
      const event = { event_type: "block", item_id: "block_0xabc" };
      await post(`${api}/topics/${env.PUBSUB_TOPIC}:publish`, { messages: [{ data: Buffer.from(JSON.stringify(event)).toString("base64") }] });
      const pulled = (await post(`${api}/subscriptions/${env.PUBSUB_SUBSCRIPTION}:pull`, { maxMessages: 10 })) as { receivedMessages?: { message: { data: string } }[] };
      expect(pulled.receivedMessages?.map((m) => JSON.parse(Buffer.from(m.message.data, "base64").toString()))).toEqual([event]);

      // The emulator takes any event; bus:local says which the topic's schema would refuse.
      const [invalid] = Object.values(JSON.parse(fs.readFileSync(path.join(root, "schema", "examples", "invalid.json"), "utf8")));
      await post(`${api}/topics/${env.PUBSUB_TOPIC}:publish`, { messages: [{ data: Buffer.from(JSON.stringify(invalid)).toString("base64") }] });
      for (let waited = 0; !out.includes("would be refused at publish") && waited < 10_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
      expect(out.match(/would be refused at publish by the topic's schema: .*/g)).toEqual([expect.stringContaining(JSON.stringify(invalid).slice(0, 40))]);

      const port = Number(env.PUBSUB_EMULATOR_HOST.split(":")[1]);
      expect(await listening(port)).toBe(true);
      process.kill(child.pid!, "SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("stopped: nothing left listening");
      expect(await listening(port)).toBe(false);
      // No process of its group is left (the emulator's JVM ran in a group of its own, ended too).
      const left = () => spawnSync("pgrep", ["-f", `cloud-pubsub-emulator.*--port=${port}$`]).status;
      for (let waited = 0; left() === 0 && waited < 3000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(left()).toBe(1);
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
  });

  it("leaves no emulator behind when it is killed outright (SIGKILL: no clean-up of its own runs)", async () => {
    const child = spawn(process.execPath, [...command, "--stack", "dev"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    for (let waited = 0; !out.includes("ready;") && waited < 60_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
    const port = Number(/on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    expect(await listening(port)).toBe(true);
    child.kill("SIGKILL");
    await exited;
    // The emulator's watcher sees the pipe from the dead process close, and ends the JVM.
    for (let waited = 0; (await listening(port)) && waited < 10_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
    expect(await listening(port)).toBe(false);
  });

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [...command, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

  it.each<[string, string[], NodeJS.ProcessEnv, number, string]>([
    ["no stack", [], {}, 2, "--stack: required (a stack file's name, such as dev)"],
    ["a privileged port", ["--stack", "dev", "--port", "80"], {}, 2, '--port = "80": a port from 1024 to 65535'],
    ["an unknown stack", ["--stack", "nope"], {}, 1, "no stack file Pulumi.nope.yaml"],
    ["no emulator installed", ["--stack", "dev"], { PATH: path.dirname(process.execPath) }, 1, "no gcloud on PATH: install the Google Cloud CLI's Pub/Sub emulator and Java 17"],
    ["an emulator that cannot start", ["--stack", "dev"], { PUBSUB_EMULATOR_JAR: "/nonexistent.jar" }, 1, "the emulator exited (code 1) before it served: Error: Unable to access jarfile /nonexistent.jar"],
  ])("%s: one line, and its exit code", (_, args, env, code, line) => {
    const result = run(args, env);
    expect([result.status, result.stderr.split("\n")[0]]).toEqual([code, expect.stringContaining(line)]);
  });

  it("names a taken port in one line", async () => {
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const result = run(["--stack", "dev", "--port", String(port)]);
      expect([result.status, result.stderr.trim()]).toEqual([1, `port ${port} on 127.0.0.1 is taken: name another with --port, or none to take a free one`]);
    } finally {
      server.close();
    }
  });
});
