/**
 * The tree shows what `pulumi up` runs and what is tooling: the program (index.ts and
 * what it imports) lives in index.ts, components/, lib/ and data/ (with boot/ and schema/,
 * which it reads as files); the offline plan, cost, test stacks, the drill and the
 * commands live in tools/ and scripts/. No folder holds both, checked on the imports.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const programFolders = ["components", "lib", "data"];
const toolingFolders = ["tools", "scripts"];

/** Relative imports of a TypeScript file (import/export from, require, import()). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|require\(|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]);
  return specifiers.flatMap((specifier) => {
    const base = path.resolve(path.dirname(file), specifier);
    const found = [base, `${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
    return found ? [found] : [];
  });
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith(".ts")) stack.push(...importsOf(file));
  }
  return seen;
}

function filesUnder(folder: string): string[] {
  const dir = path.join(root, folder);
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((file) => path.join(dir, file)).filter((file) => fs.statSync(file).isFile());
}

const relative = (file: string) => path.relative(root, file);
const program = reachable(path.join(root, "index.ts"));

describe("the tree", () => {
  it("holds in components/, lib/ and data/ only what the program imports", () => {
    const notImported = programFolders.flatMap(filesUnder).filter((file) => !program.has(file)).map(relative);
    expect(notImported).toEqual([]);
  });

  it("never has the program import from tools/ or scripts/", () => {
    const tooling = [...program].map(relative).filter((file) => toolingFolders.some((folder) => file.startsWith(`${folder}/`)));
    expect(tooling).toEqual([]);
  });

  it("mirrors the tree in test/: every test file sits where what it tests sits", () => {
    const stray = filesUnder("test")
      .map(relative)
      .filter((file) => file.endsWith(".test.ts"))
      .map((file) => path.dirname(file).replace(/^test\/?/, ""))
      .filter((folder) => folder !== "" && !fs.existsSync(path.join(root, folder)) && !["ci", "golden", "vm"].includes(folder.split("/")[0]));
    expect([...new Set(stray)]).toEqual([]);
  });
});
