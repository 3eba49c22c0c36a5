/**
 * Stack files read as the Pulumi CLI reads them, checked against the real library: each
 * case is read by tools/plan/stackFiles.ts and by gopkg.in/yaml.v3 itself (Debian's
 * golang-gopkg-yaml.v3-dev, 3.0.1; test/helpers/pulumi-yaml follows Pulumi's config
 * object rules on top). Where Go refuses, the plan refuses; where Go reads a value, the
 * plan reads the same text.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goTimestamp, parseGoYaml, resolvePlain } from "../../../tools/plan/goYaml";
import { readStackConfigFiles, secretPlaceholder, StackConfigError } from "../../../tools/plan/stackFiles";

const engineValue = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const root = path.resolve(__dirname, "..", "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-goyaml-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const utf16 = (text: string, endian: "le" | "be") => {
  const body = Buffer.from(text, "utf16le");
  if (endian === "be") body.swap16();
  return Buffer.concat([Buffer.from(endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff]), body]);
};

/** Stack files, by case; every one in the project "a". */
const cases: Record<string, string | Buffer> = {
  "integers as yaml.v3 reads them": "config:\n  a:octal: 0100\n  a:o: 0o17\n  a:hex: 0x1F\n  a:bin: 0b101\n  a:under: 1_000\n  a:hexunder: 0x_1F\n  a:plus: +12\n  a:negbin: -0b11\n  a:nine: 09\n  a:big: 18446744073709551615\n  a:bigger: 99999999999999999999\n",
  "the same inside objects": "config:\n  a:obj: {octal: 0100, under: 1_000, float: 1e3, dot: .5, trail: 1., quoted: '0100'}\n",
  "booleans and words": "config:\n  a:yes: yes\n  a:on: on\n  a:True: True\n  a:FALSE: FALSE\n  a:obj: {y: y, n: no, t: TRUE, o: off}\n",
  "nulls": "config:\n  a:empty:\n  a:tilde: ~\n  a:null: null\n  a:obj: {a: ~, b: Null, c: }\n",
  "dates and times": "config:\n  a:date: 2026-12-16\n  a:quoted: '2026-12-16'\n  a:obj: {d: 2026-12-16, t: 2026-12-16T10:00:00Z, z: 2026-12-16T10:00:00+02:00, s: 2026-12-16 1:2:3.500, bad: 2026-02-30, clock: 12:30}\n",
  "merge keys": "base: &base {ack: 60, topic: t}\nconfig:\n  a:one:\n    <<: *base\n    ack: 30\n  a:many:\n    x: 5\n    <<: [*base, {x: 2, z: 3}]\n",
  "aliases used often, as yaml.v3 allows": `anchors:\n  x: &x {a: 1, b: [1, 2, 3]}\nconfig:\n  a:list: [${Array.from({ length: 150 }, () => "*x").join(", ")}]\n`,
  "an alias bomb": "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nconfig:\n  a:x: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
  "a second document": "config:\n  a:first: 1\n---\nconfig:\n  a:first: 2\n",
  "a second document that does not parse": "config:\n  a:first: 1\n---\nconfig: [1, 2\n",
  "UTF-16 little-endian with a BOM": utf16("config:\n  a:name: défi\n", "le"),
  "UTF-16 big-endian with a BOM": utf16("config:\n  a:name: défi\n", "be"),
  "UTF-8 with a BOM": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("config:\n  a:name: défi\n")]),
  "bytes that are not UTF-8": Buffer.concat([Buffer.from("config:\n  a:name: d"), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from("\n")]),
  "a control character": "config:\n  a:name: a\u0001b\n",
  "a key given twice": "config:\n  a:x: 1\n  a:x: 2\n",
  "infinity": "config:\n  a:x: .inf\n",
  "NaN inside an object": "config:\n  a:x: {y: .nan}\n",
  // In the project's namespace the plan refuses them (stackFiles.test.ts); elsewhere it reads them as Go does.
  "secure values": "config:\n  other:token:\n    secure: v1:abc\n  other:nested: {inner: {secure: v1:def}, open: 1}\n",
  "keys that are numbers": "config:\n  a:x: {1: one, true: yes, 0x10: sixteen}\n",
  "strings that look like numbers, quoted": "config:\n  a:x: '1_000'\n  a:y: \"0100\"\n  a:z: '.inf'\n",
};

interface GoResult {
  config?: Record<string, { text: string; secure: boolean; object: boolean }>;
  error?: string;
}

let go: Record<string, GoResult>;
const fileOf = (name: string) => path.join(dir, `Pulumi.${name.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}.yaml`);

beforeAll(() => {
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: a\nruntime: nodejs\n");
  for (const [name, content] of Object.entries(cases)) fs.writeFileSync(fileOf(name), content);
  const oracle = path.join(root, "test", "helpers", "pulumi-yaml");
  const env = { ...process.env, GO111MODULE: "off", GOPATH: "/usr/share/gocode", GOCACHE: path.join(root, "node_modules", ".cache", "defimon", "go-build"), GOFLAGS: "" };
  try {
    go = JSON.parse(execFileSync("go", ["run", ".", ...Object.keys(cases).map(fileOf)], { cwd: oracle, env, encoding: "utf8", timeout: 120_000 }));
  } catch (error) {
    throw new Error(`the yaml.v3 oracle did not run (Go and Debian's golang-gopkg-yaml.v3-dev are needed; .ci/run installs them): ${(error as Error).message.split("\n")[0]}`);
  }
}, 150_000);

describe("stack files: the plan reads what yaml.v3 reads", () => {
  it.each(Object.keys(cases))("%s", (name) => {
    const stack = path.basename(fileOf(name)).replace(/^Pulumi\.|\.yaml$/g, "");
    const expected = go[fileOf(name)];
    let ours: { config: Record<string, string>; secretKeys: string[] } | undefined;
    let refused: string[] | undefined;
    try {
      ours = readStackConfigFiles(dir, stack);
    } catch (error) {
      if (!(error instanceof StackConfigError)) throw error;
      refused = error.problems;
    }
    if (expected.error !== undefined) {
      // Go refuses: so does the plan, in one line per problem naming the file or the key.
      expect(refused).toBeDefined();
      for (const line of refused!) expect(line).toMatch(/^(Pulumi\.[^:]+\.yaml(:\d+:\d+)?: |a:)/);
      return;
    }
    expect(refused).toBeUndefined();
    const goConfig = expected.config ?? {};
    expect(Object.keys(ours!.config).sort()).toEqual(Object.keys(goConfig).sort());
    for (const [key, value] of Object.entries(goConfig)) {
      if (value.secure) {
        expect(ours!.secretKeys).toContain(key);
      } else if (value.object) {
        // Objects: the same value (Go's JSON sorts keys; the program parses either), secure values hidden.
        const hidden = JSON.parse(value.text, (_k, inner) => (inner && typeof inner === "object" && Object.keys(inner).length === 1 && typeof inner.secure === "string" ? secretPlaceholder : inner));
        expect([key, JSON.parse(ours!.config[key])]).toEqual([key, hidden]);
        expect(ours!.secretKeys.includes(key)).toBe(value.text.includes('"secure"'));
      } else {
        // What the program reads (the engine's text, JSON when it parses): integers past
        // 2^53 round the same way in both.
        expect([key, engineValue(ours!.config[key])]).toEqual([key, engineValue(value.text)]);
        expect(typeof ours!.config[key]).toBe("string");
      }
    }
  });

  it("warns that Pulumi ignores a second document", () => {
    const stack = path.basename(fileOf("a second document")).replace(/^Pulumi\.|\.yaml$/g, "");
    expect(readStackConfigFiles(dir, stack).warnings).toEqual([
      `Pulumi.${stack}.yaml: a second YAML document follows (after ---); Pulumi reads only the first, and so does the plan: remove the rest or merge it into the first`,
    ]);
  });
});

describe("where the plan's reader stops short of yaml.v3, it refuses in one line", () => {
  it("refuses nesting deeper than it follows (yaml.v3: 10,000 levels; no defimon: key takes more than 4)", () => {
    expect(() => parseGoYaml(`a: ${"[".repeat(3000)}${"]".repeat(3000)}\n`)).toThrow("nested too deep for this reader");
  });

  it("refuses an explicit tag rather than read it another way", () => {
    expect(() => parseGoYaml("a: !!int '5'\n")).toThrow("the tag !!int is not read here; write the value without a tag");
  });
});

describe("resolvePlain and goTimestamp", () => {
  it("reads Go's time text for the timestamp forms yaml.v3 knows, and none other", () => {
    expect(goTimestamp("2026-12-16")).toBe("2026-12-16 00:00:00 +0000 UTC");
    expect(goTimestamp("2026-12-16T10:00:00.120Z")).toBe("2026-12-16 10:00:00.12 +0000 UTC");
    expect(goTimestamp("2026-12-16T10:00:00")).toBeUndefined();
    expect(goTimestamp("2026-13-01")).toBeUndefined();
    expect(resolvePlain("12:30")).toBe("12:30");
  });
});
