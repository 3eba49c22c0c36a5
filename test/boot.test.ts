/**
 * Every file the Geth host boots with, for both stack files, checked by the real tool
 * for its format: shellcheck, docker-compose's own config validation, yamllint, and
 * geth's key set for the TOML. .ci/run installs the tools from Debian's packages; a
 * missing tool fails the test (a check that cannot run must not pass).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseToml } from "smol-toml";
import { invalidGethKeys } from "../lib/geth/configKeys";
import { hostLayout } from "../lib/hostLayout";
import { renderedFiles } from "../lib/plan/format";
import { mockSecretValues } from "../lib/plan/mocks";
import { composeProjectName } from "../lib/render/compose";
import { planStack } from "./helpers/run";

const root = path.resolve(__dirname, "..");

function tool(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}): .ci/run installs it from Debian's packages`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function writeFiles(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-boot-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe.each(["dev", "prod"])("boot files of stack %s", (stack) => {
  let vmDir: string;
  let files: Record<string, string>;
  beforeAll(async () => {
    files = renderedFiles(await planStack(stack));
    vmDir = path.join(writeFiles(files), "defimon-node-vm");
  });

  it("are all there", () => {
    expect(fs.readdirSync(vmDir).sort()).toEqual([".env", "docker-compose.yml", "geth.toml", "grafana-datasources.yml", "ops-agent.yaml", "prometheus.yml", "shutdown.sh", "startup.sh"]);
  });

  it("pass shellcheck", () => {
    const result = tool("shellcheck", ["--shell=bash", "startup.sh", "shutdown.sh"], vmDir);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("pass docker-compose's validation of the compose file", () => {
    const result = tool("docker-compose", ["--project-name", composeProjectName, "-f", "docker-compose.yml", "config", "--quiet"], vmDir);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("pass yamllint", () => {
    const result = tool("yamllint", ["--strict", "-c", path.join(root, ".yamllint.yaml"), "docker-compose.yml", "prometheus.yml", "grafana-datasources.yml", "ops-agent.yaml"], vmDir);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  it("give geth a TOML with only keys it knows", () => {
    expect(invalidGethKeys(parseToml(fs.readFileSync(path.join(vmDir, "geth.toml"), "utf8")) as Record<string, unknown>)).toEqual([]);
  });

  it("hold no secret value, only the names of the secrets to fetch", () => {
    const all = Object.values(files).join("\n");
    for (const secret of Object.values(mockSecretValues)) expect(all).not.toContain(secret);
    expect(files["defimon-node-vm/startup.sh"]).toContain("secretmanager.googleapis.com");
  });
});

describe("the repository's own scripts", () => {
  it("pass shellcheck (CI, Node bootstrap, state and CI bootstrap, boot scripts)", () => {
    const scripts = [".ci/run", ".ci/node22", "scripts/bootstrap-state.sh", "scripts/bootstrap-ci.sh", "boot/startup.sh", "boot/shutdown.sh"];
    const result = tool("shellcheck", ["--shell=bash", ...scripts], root);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("the repository's own YAML", () => {
  it("passes yamllint (Pulumi project, stack and policy files, workflows)", () => {
    const files = [...fs.readdirSync(root).filter((file) => /\.ya?ml$/.test(file)), "policy/PulumiPolicy.yaml", ".github"];
    expect(files).toEqual(expect.arrayContaining(["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]));
    const result = tool("yamllint", ["--strict", "-c", ".yamllint.yaml", ...files], root);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("the validators themselves", () => {
  // Each tool must be able to say no; otherwise the checks above prove nothing.
  it("shellcheck rejects an unquoted expansion", () => {
    const dir = writeFiles({ "bad.sh": "#!/usr/bin/env bash\nrm -rf $1/data\n" });
    expect(tool("shellcheck", ["bad.sh"], dir).code).not.toBe(0);
  });

  it("docker-compose rejects an unquoted user, which YAML 1.1 reads as a number", () => {
    const dir = writeFiles({ "docker-compose.yml": "services:\n  grafana:\n    image: grafana/grafana:12.1.0\n    user: 472:0\n" });
    const result = tool("docker-compose", ["-f", "docker-compose.yml", "config", "--quiet"], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("services.grafana.user contains an invalid type");
  });

  it("yamllint rejects duplicate keys", () => {
    const dir = writeFiles({ "x.yml": "---\na: 1\na: 2\n" });
    expect(tool("yamllint", ["--strict", "-c", path.join(root, ".yamllint.yaml"), "x.yml"], dir).code).not.toBe(0);
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
});
