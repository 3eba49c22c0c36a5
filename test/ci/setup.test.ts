import { spawnSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

describe(".ci/setup", () => {
  it("refuses an argument it does not know, in one line with its usage, before installing anything", () => {
    const result = spawnSync(path.join(root, ".ci", "setup"), ["--bogus"], { encoding: "utf8" });
    expect([result.status, result.stdout, result.stderr]).toEqual([2, "", ".ci/setup: unknown argument --bogus; usage: .ci/setup [--boot] [--no-plan]\n"]);
  });
});
