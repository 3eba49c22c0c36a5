import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { nodeProblem } = require("../../scripts/requireNode.js") as { nodeProblem: (version: string, execPath: string) => string | undefined };

describe("an old Node", () => {
  it("is refused in one line that says what to run", () => {
    expect(nodeProblem("20.19.2", "/usr/bin/node")).toBe(
      'Node.js 22 or later is needed, and this is 20.19.2 (/usr/bin/node): run .ci/setup, which installs Node 22 and puts it first, or: node22=$(.ci/node22) && export PATH="$node22:$PATH"',
    );
    expect(nodeProblem("22.0.0", "/x/node")).toBeUndefined();
    expect(nodeProblem("24.1.0", "/x/node")).toBeUndefined();
  });

  it("is checked first by npm test and by every npm run command that runs TypeScript", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts.test.startsWith("node scripts/requireNode.js && ")).toBe(true);
    for (const [name, command] of Object.entries(scripts).filter(([name]) => !["test", "typecheck"].includes(name))) expect([name, command.startsWith("node scripts/ts.js ")]).toEqual([name, true]);
    expect(fs.readFileSync(path.join(root, "scripts", "ts.js"), "utf8")).toMatch(/^"use strict";\nrequire\("\.\/requireNode"\);$/m);
  });
});
