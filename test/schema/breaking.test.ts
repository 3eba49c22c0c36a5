/**
 * Schema changes checked for compatibility with `buf breaking` (the @bufbuild/buf package
 * ships the binary), in the WIRE_JSON category: the topic validates JSON-encoded events, so
 * a renamed field breaks publishers as much as a renumbered one. Against the schema at the
 * merge base with main (origin/main, else main), or the last commit where there is neither.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const buf = path.join(root, "node_modules", ".bin", "buf");
const config = JSON.stringify({ version: "v1", breaking: { use: ["WIRE_JSON"] } });
const schemaFile = "schema/defimon-event.proto";

function git(...args: string[]): string | undefined {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The revision a change is judged against, and its schema in a folder of its own. */
function baseSchema(): { revision: string; dir: string } {
  const revision = git("merge-base", "HEAD", "origin/main") ?? git("merge-base", "HEAD", "main") ?? "HEAD";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-schema-base-"));
  fs.writeFileSync(path.join(dir, path.basename(schemaFile)), execFileSync("git", ["show", `${revision}:${schemaFile}`], { cwd: root }));
  return { revision, dir };
}

const breaking = (input: string, against: string) => spawnSync(buf, ["breaking", input, "--against", against, "--config", config], { cwd: os.tmpdir(), encoding: "utf8" });

describe("the event schema's evolution", () => {
  const base = baseSchema();

  it("is compatible with the schema at the merge base", () => {
    const result = breaking(path.join(root, "schema"), base.dir);
    expect([base.revision.length > 0, result.status, result.stdout + result.stderr]).toEqual([true, 0, ""]);
  });

  const changed = (edit: (proto: string) => string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-schema-head-"));
    fs.writeFileSync(path.join(dir, "defimon-event.proto"), edit(fs.readFileSync(path.join(root, schemaFile), "utf8")));
    return breaking(dir, base.dir);
  };

  it.each<[string, (proto: string) => string, RegExp]>([
    ["a renumbered field", (p) => p.replace("int64 block_number = 5;", "int64 block_number = 13;"), /Previously present field "5" with name "block_number"/],
    ["a renamed field (its JSON name)", (p) => p.replace("string producer = 11;", "string service = 11;"), /changed option "json_name" from "producer" to "service"/],
    ["a retyped field", (p) => p.replace("int64 chain_id = 4;", "string chain_id = 4;"), /changed type from "int64" to "string"/],
  ])("refuses %s", (_, edit, message) => {
    const result = changed(edit);
    expect(result.status).toBe(100);
    expect(result.stdout).toMatch(message);
  });

  it("takes an added field", () => {
    expect(changed((p) => p.replace("  string payload = 12;", "  string payload = 12;\n  string extra = 13;")).status).toBe(0);
  });
});
