import { spawnSync } from "child_process";
import * as path from "path";
import { parseEngineConfig } from "../../lib/config";
import * as fs from "fs";
import * as os from "os";
import { parse } from "yaml";
import { cliConfigProblems } from "../../tools/plan/stackFiles";
import { checkTestStack, committedStackNames, destroyEach, parseStackTestArgs, RefusedStack, setAllConfigJson, stackFileFromState, staleTestStacks, testStackConfig } from "../../tools/testStacks";

const root = path.resolve(__dirname, "..", "..");

describe("test stack names", () => {
  it.each(["pr-1", "pr-4711", "test-alice", "test-geth-upgrade"])("accepts %s", (name) => {
    expect(() => checkTestStack(name, ["dev", "prod"])).not.toThrow();
  });

  it.each(["prod", "dev", "staging", "pr-", "pr-12a", "test-", "Test-x", "test-" + "x".repeat(21), "test-a-", "pr-1; rm -rf /"])("refuses %p", (name) => {
    expect(() => checkTestStack(name, ["dev", "prod"])).toThrow(RefusedStack);
  });

  it("refuses a committed stack file's name even when it fits the pattern", () => {
    expect(() => checkTestStack("test-shared", ["dev", "prod", "test-shared"])).toThrow('refusing stack "test-shared": it has a committed stack file');
  });

  it("refuses a stack whose config protects it", () => {
    expect(() => checkTestStack("pr-9", ["dev", "prod"], { "defimon:protect": { value: "true" } })).toThrow('refusing stack "pr-9": its config sets defimon:protect to true');
    expect(() => checkTestStack("pr-9", ["dev", "prod"], { "defimon:protect": { value: "false" } })).not.toThrow();
  });
});

describe("test stack config", () => {
  const values = testStackConfig(root, "pr-42");

  it("is dev's, unprotected, with names of its own", () => {
    expect(values["defimon:preset"]).toBe("small");
    expect(values["defimon:protect"]).toBe("false");
    expect(values["gcp:project"]).toBe("defimon-dev");
    expect(JSON.parse(values["defimon:pubsub"])).toMatchObject({ topic: "defimon-events-pr-42" });
    expect(JSON.parse(values["defimon:analytics"])).toMatchObject({ dataset: "defimon_events_pr_42" });
    // Subscriptions, schema and sinks derive from the topic; accounts from the stack's name.
    const config = parseEngineConfig(values);
    expect(Object.values(config.consumers).map((c) => c.subscription).sort()).toEqual([
      "defimon-events-pr-42-batch-processing", "defimon-events-pr-42-event-indexer", "defimon-events-pr-42-ml-pipeline", "defimon-events-pr-42-sub",
    ]);
    expect(JSON.parse(values["defimon:labels"])).toMatchObject({ environment: "test", "test-stack": "pr-42" });
  });

  it("goes to the test project when one is named (CI: pull requests' stacks live there, nothing else)", () => {
    const elsewhere = testStackConfig(root, "pr-42", "defimon-test");
    expect(elsewhere["gcp:project"]).toBe("defimon-test");
    expect({ ...elsewhere, "gcp:project": values["gcp:project"] }).toEqual(values);
    expect(() => parseEngineConfig(elsewhere)).not.toThrow();
  });

  it("passes the stack's own config validation, also for the longest name", () => {
    for (const name of ["pr-42", "test-" + "x".repeat(20), "pr-9999999"]) {
      const derived = testStackConfig(root, name);
      expect(() => parseEngineConfig(derived)).not.toThrow();
    }
  });
});

describe("writing the config with the CLI", () => {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  /** What `pulumi config set-all --json` stores: objectValue as a YAML map, value as text. */
  const storedBySetAllJson = (json: string) =>
    Object.fromEntries(Object.entries<{ value: string; objectValue?: unknown }>(JSON.parse(json)).map(([key, entry]) => [key, entry.objectValue ?? entry.value]));

  it("sets objects as objects, which pass the project's type: object declarations", () => {
    const config = testStackConfig(root, "pr-42");
    const json = JSON.parse(setAllConfigJson(config));
    expect(json["defimon:pubsub"]).toEqual({ value: config["defimon:pubsub"], objectValue: JSON.parse(config["defimon:pubsub"]), secret: false });
    expect(json["defimon:preset"]).toEqual({ value: "small", secret: false });
    expect(cliConfigProblems("defimon", "pr-42", project.config, storedBySetAllJson(setAllConfigJson(config)))).toEqual([]);
  });

  it("shows why: objects set as text (setAllConfig's form) are refused by the CLI", () => {
    const asText = testStackConfig(root, "pr-42");
    expect(cliConfigProblems("defimon", "pr-42", project.config, asText)).toContain("Stack 'pr-42' with configuration key 'pubsub' must be of type 'object'");
  });
});

describe("the secrets provider of a test stack on a fresh runner", () => {
  it("is rebuilt from the stack's exported state, key and all", () => {
    const exported = { version: 3, deployment: { secrets_providers: { type: "cloud", state: { url: "gcpkms://projects/p/locations/global/keyRings/pulumi/cryptoKeys/state-test", encryptedkey: "CiQAbase64==" } } } };
    expect(parse(stackFileFromState(exported)!)).toEqual({ secretsprovider: "gcpkms://projects/p/locations/global/keyRings/pulumi/cryptoKeys/state-test", encryptedkey: "CiQAbase64==" });
    expect(stackFileFromState({ deployment: { secrets_providers: { type: "passphrase", state: {} } } })).toBeUndefined();
  });

  it("is not a committed stack file: only files git tracks are", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-git-"));
    const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    git("init", "-q");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    git("add", "Pulumi.dev.yaml");
    // What the Automation API leaves behind after `up test-alice`.
    fs.writeFileSync(path.join(dir, "Pulumi.test-alice.yaml"), "secretsprovider: gcpkms://x\n");
    expect(committedStackNames(dir)).toEqual(["dev"]);
    expect(() => checkTestStack("test-alice", committedStackNames(dir))).not.toThrow();
    expect(committedStackNames(root)).toEqual(["dev", "prod"]);
  });
});

describe("the sweep", () => {
  it("goes on past a stack it cannot destroy, and reports every failure", async () => {
    const destroyed: string[] = [];
    const lines: string[] = [];
    const failed = await destroyEach(
      ["pr-1", "pr-2", "pr-3"],
      async (name) => {
        if (name === "pr-2") throw new Error("the stack is locked\nmore detail");
        destroyed.push(name);
      },
      (line) => lines.push(line),
    );
    expect(destroyed).toEqual(["pr-1", "pr-3"]);
    expect(failed).toEqual(["pr-2"]);
    expect(lines).toEqual(["pr-2: not destroyed: the stack is locked", "sweep: 1 of 3 stale stacks not destroyed: pr-2"]);
  });
});

describe("stale test stacks", () => {
  const now = new Date("2026-11-24T12:00:00Z");
  it("are test stacks not updated for the given days; never dev or prod", () => {
    const stacks = [
      { name: "pr-1", lastUpdate: "2026-11-20T12:00:00Z" },
      { name: "pr-2", lastUpdate: "2026-11-23T12:00:00Z" },
      { name: "test-alice", lastUpdate: "2026-11-01T00:00:00Z" },
      { name: "prod", lastUpdate: "2025-01-01T00:00:00Z" },
      { name: "dev", lastUpdate: "2025-01-01T00:00:00Z" },
      { name: "pr-3" },
      // Being updated right now (its lock is held): never swept from under the update.
      { name: "pr-4", lastUpdate: "2026-11-01T00:00:00Z", updateInProgress: true },
    ];
    expect(staleTestStacks(stacks, 3, now)).toEqual(["pr-1", "test-alice"]);
  });
});

describe("npm run stack:test", () => {
  const run = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(process.execPath, [path.join(root, "scripts", "ts.js"), "scripts/stackTest.ts", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

  it("without the Pulumi CLI: one line saying so, exit 1, nothing left in the checkout", () => {
    const result = run({ PATH: "/nonexistent" }, "up", "test-alice");
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^the Pulumi CLI >= \d+\.\d+\.\d+ is needed \(https:\/\/www\.pulumi\.com\/docs\/install\/\): there is no pulumi on PATH$/)]);
    expect(fs.existsSync(path.join(root, "Pulumi.test-alice.yaml"))).toBe(false);
  });
});

// One row per bad invocation: the arguments and the lines it must give (exit 2, then the usage line).
describe("stack:test arguments", () => {
  it.each<[string[], string[]]>([
    [[], ['command = null: one of up, down, sweep, stale']],
    [["deploy", "test-a"], ['command = "deploy": one of up, down, sweep, stale']],
    [["up"], ["NAME: required for up (pr-<number> or test-<name>)"]],
    [["down", "prod"], ['refusing stack "prod": test stacks are named pr-<number> or test-<name> (lowercase, at most 25 characters)']],
    [["up", "test-alice", "test-bob"], ['unexpected argument(s) "test-bob"']],
    [["down", "test-a", "--smoke"], ["--smoke: only with up"]],
    [["sweep"], ["--older-than-days = null: a whole number of days (1 to 99999)"]],
    [["sweep", "--older-than-days", "a week"], ['--older-than-days = "a week": a whole number of days (1 to 99999)']],
    // Anyone who may dispatch the clean-up must not be able to sweep stacks updated today.
    [["sweep", "--older-than-days", "0"], ['--older-than-days = "0": a whole number of days (1 to 99999)']],
    [["stale", "--older-than-days", "0"], ['--older-than-days = "0": a whole number of days (1 to 99999)']],
    [["down", "pr-3", "--older-than-days", "0"], ['--older-than-days = "0": a whole number of days (1 to 99999)']],
    [["up", "test-a", "--older-than-days", "3", "--smoke"], ["--older-than-days: only with down, sweep or stale"]],
    [["up", "test-a", "--force"], ["Unknown option '--force'"]],
    [["down", "dev", "x"], ['refusing stack "dev": test stacks are named pr-<number> or test-<name> (lowercase, at most 25 characters)', 'unexpected argument(s) "x"']],
  ])("%j", (argv, lines) => {
    expect(parseStackTestArgs(argv, ["dev", "prod"])).toEqual({ problems: lines });
  });

  it("takes the four commands", () => {
    expect(parseStackTestArgs(["up", "pr-12", "--smoke"], ["dev"])).toEqual({ command: "up", name: "pr-12", smoke: true });
    expect(parseStackTestArgs(["down", "test-alice"], ["dev"])).toEqual({ command: "down", name: "test-alice" });
    expect(parseStackTestArgs(["sweep", "--older-than-days", "7"], ["dev"])).toEqual({ command: "sweep", olderThanDays: 7 });
    expect(parseStackTestArgs(["stale", "--older-than-days", "1"], ["dev"])).toEqual({ command: "stale", olderThanDays: 1 });
    expect(parseStackTestArgs(["down", "pr-3", "--older-than-days", "3"], ["dev"])).toEqual({ command: "down", name: "pr-3", olderThanDays: 3 });
  });
});
