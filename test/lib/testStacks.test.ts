import { spawnSync } from "child_process";
import * as path from "path";
import { parseStackConfig, namespaceValues } from "../../lib/config";
import { checkTestStack, RefusedStack, staleTestStacks, testStackConfig } from "../../lib/testStacks";

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
  const config = testStackConfig(root, "pr-42");
  const values = Object.fromEntries(Object.entries(config).map(([key, { value }]) => [key, value]));

  it("is dev's, unprotected, with names of its own", () => {
    expect(values["defimon:preset"]).toBe("small");
    expect(values["defimon:protect"]).toBe("false");
    expect(values["gcp:project"]).toBe("defimon-dev");
    expect(JSON.parse(values["defimon:pubsub"])).toMatchObject({ topic: "defimon-events-pr-42", subscription: "defimon-events-sub-pr-42" });
    expect(JSON.parse(values["defimon:serviceAccount"]).accountId).toBe("dfm-pr-42");
    expect(JSON.parse(values["defimon:labels"])).toMatchObject({ environment: "test", "test-stack": "pr-42" });
    expect(Object.values(config).every((entry) => entry.secret === false)).toBe(true);
  });

  it("passes the stack's own config validation, also for the longest name", () => {
    for (const name of ["pr-42", "test-" + "x".repeat(20), "pr-9999999"]) {
      const derived = Object.fromEntries(Object.entries(testStackConfig(root, name)).map(([key, { value }]) => [key, value]));
      expect(() => parseStackConfig(namespaceValues(derived), { region: derived["gcp:region"] })).not.toThrow();
    }
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
    ];
    expect(staleTestStacks(stacks, 3, now)).toEqual(["pr-1", "test-alice"]);
  });
});

describe("npm run stack:test", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [require.resolve("tsx/cli"), "scripts/stackTest.ts", ...args], { cwd: root, encoding: "utf8" });

  it("refuses prod before it talks to any backend", () => {
    const result = run("down", "prod");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing stack "prod"');
  });

  it("explains its arguments", () => {
    const result = run("deploy");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage: npm run stack:test -- up NAME [--smoke] | down NAME | sweep --older-than-days N");
  });
});
