import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackConfigFiles, StackConfigError, stackNames } from "../../../tools/plan/stackFiles";

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-stackfiles-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const projectFile = [
  "name: demo",
  "runtime: nodejs",
  "config:",
  "  preset: {type: string, description: required}",
  "  protect: {type: boolean, description: x, default: false}",
  "  pubsub: {type: object, description: x, default: {topic: a-topic}}",
  "  plain: 3",
].join("\n");

describe("readStackConfigFiles", () => {
  it("merges project defaults under the stack's values, qualified with the project name", () => {
    const dir = project({
      "Pulumi.yaml": projectFile,
      "Pulumi.dev.yaml": "config:\n  demo:preset: small\n  demo:pubsub:\n    ackDeadlineSeconds: 60\n  gcp:project: p1\n",
    });
    const files = readStackConfigFiles(dir, "dev");
    expect(files).toEqual({
      project: "demo",
      stack: "dev",
      config: {
        "demo:protect": "false",
        // Objects replace the project default whole, as the engine does.
        "demo:pubsub": '{"ackDeadlineSeconds":60}',
        "demo:plain": "3",
        "demo:preset": "small",
        "gcp:project": "p1",
      },
      secretKeys: [],
    });
  });

  it("hides secure values and marks their keys secret", () => {
    const dir = project({
      "Pulumi.yaml": projectFile,
      "Pulumi.dev.yaml": "config:\n  demo:preset: small\n  other:token:\n    secure: v1:abc\n  other:nested:\n    inner:\n      secure: v1:def\n    open: 1\n",
    });
    const files = readStackConfigFiles(dir, "dev");
    expect(files.config["other:token"]).toBe("[secret]");
    expect(JSON.parse(files.config["other:nested"])).toEqual({ inner: "[secret]", open: 1 });
    expect(files.secretKeys.sort()).toEqual(["other:nested", "other:token"]);
    expect(JSON.stringify(files)).not.toMatch(/v1:abc|v1:def/);
  });

  it("refuses a secure value in a key the program reads, in one line, the value still hidden", () => {
    const dir = project({ "Pulumi.yaml": projectFile, "Pulumi.dev.yaml": "config:\n  demo:preset:\n    secure: v1:abc\n  gcp:project:\n    secure: v1:def\n" });
    let error: StackConfigError | undefined;
    try {
      readStackConfigFiles(dir, "dev");
    } catch (thrown) {
      error = thrown as StackConfigError;
    }
    expect(error?.problems).toEqual([
      "demo:preset is a secure value: the offline plan cannot decrypt it, and the stack reads demo: keys as plain settings; set it in the clear (pulumi config set demo:preset <value>, without --secret)",
      "gcp:project is a secure value: the offline plan cannot decrypt it, and the stack reads gcp: keys as plain settings; set it in the clear (pulumi config set gcp:project <value>, without --secret)",
    ]);
    expect(error?.read?.missing).toEqual(expect.arrayContaining(["demo:preset", "gcp:project"]));
    expect(JSON.stringify(error?.read?.files)).not.toMatch(/v1:abc|v1:def/);
  });

  it("names the stacks there are when one is missing", () => {
    const dir = project({ "Pulumi.yaml": projectFile, "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prod.yaml": "config: {}\n" });
    expect(stackNames(dir)).toEqual(["dev", "prod"]);
    expect(() => readStackConfigFiles(dir, "qa")).toThrow("no stack file Pulumi.qa.yaml in " + dir + "; stacks here: dev, prod");
  });

  // The CLI's own rules (pkg/workspace/config.go), with its words, so the offline plan
  // fails where `pulumi preview` would.
  it("requires every declared key without a default, as the CLI does", () => {
    const missing = project({ "Pulumi.yaml": projectFile + "\n  budget: {type: object, description: optional?}", "Pulumi.dev.yaml": "config: {}\n" });
    expect(() => readStackConfigFiles(missing, "dev")).toThrow("Stack 'dev' is missing configuration values 'budget' and 'preset'");
    const one = project({ "Pulumi.yaml": projectFile, "Pulumi.dev.yaml": "config: {}\n" });
    expect(() => readStackConfigFiles(one, "dev")).toThrow("Stack 'dev' is missing configuration value 'preset'");
  });

  it("refuses an object stored as JSON text where the project declares type: object", () => {
    const dir = project({ "Pulumi.yaml": projectFile, "Pulumi.dev.yaml": 'config:\n  demo:preset: small\n  demo:pubsub: \'{"topic":"t"}\'\n' });
    expect(() => readStackConfigFiles(dir, "dev")).toThrow("Stack 'dev' with configuration key 'pubsub' must be of type 'object'");
    const ok = project({ "Pulumi.yaml": projectFile, "Pulumi.dev.yaml": 'config:\n  demo:preset: small\n  demo:protect: "true"\n' });
    expect(readStackConfigFiles(ok, "dev").config["demo:protect"]).toBe("true");
  });
});
