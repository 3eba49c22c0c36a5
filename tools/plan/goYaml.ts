/**
 * YAML as the Pulumi CLI reads stack and project files: Go's gopkg.in/yaml.v3
 * (pulumi/pulumi sdk/go/common/encoding/marshal.go, `yaml.Unmarshal` into config values
 * decoded as `any`: sdk/go/common/resource/config/object.go). Where yaml.v3 reads a
 * plain scalar differently from YAML 1.2's core schema, this reads it as yaml.v3 does
 * (resolve.go, v3.0.1):
 *
 * - integers: `_` anywhere is dropped, then Go's base-0 ParseInt: `0x1f`, `0o17`, `0b101`,
 *   and `0100` as octal (64); past int64, uint64; else a float if it looks like one;
 * - booleans only true/false (also True, TRUE...), not yes/no/on/off;
 * - null: empty, ~, null, Null, NULL; floats: .inf, -.inf, .nan (which Pulumi then
 *   cannot store: JSON has no such numbers);
 * - a plain timestamp (2026-12-16) becomes a Go time, which Pulumi stores as its text:
 *   "2026-12-16 00:00:00 +0000 UTC" (object.go: time.Time's String());
 * - merge keys (<<) merge a mapping or a list of mappings; explicit keys win;
 * - only the first document is read; UTF-16 with a byte-order mark is read, bytes that
 *   are not UTF-8 are refused, as are duplicate keys.
 *
 * yaml.v3 (v3.0.1, f6f7691b) refuses nesting deeper than 10,000 levels; this reader
 * follows some hundreds, and says so: no defimon: key nests more than 4. Its alias limit
 * is yaml.v3's own (decode.go: allowedAliasRatio).
 *
 * Tooling: the offline plan and the scripts read stack files here; `pulumi up` does not.
 */
import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, ScalarTag, visit } from "yaml";

/** One YAML problem, one line: where (line:col when known) and what. */
export class YamlProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
    this.name = "YamlProblem";
  }
}

const goNull = new Set(["", "~", "null", "Null", "NULL"]);
const goBool: Record<string, boolean> = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };
const goSpecialFloats: Record<string, number> = {
  ".nan": NaN, ".NaN": NaN, ".NAN": NaN,
  ".inf": Infinity, ".Inf": Infinity, ".INF": Infinity, "+.inf": Infinity, "+.Inf": Infinity, "+.INF": Infinity,
  "-.inf": -Infinity, "-.Inf": -Infinity, "-.INF": -Infinity,
};
/** yaml.v3's yamlStyleFloat. */
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/**
 * yaml.v3's parseTimestamp (formats 2006-1-2T15:4:5.999999999Z07:00, the same with t,
 * 2006-1-2 15:4:5.999999999, 2006-1-2), as Go's time.Time.String() prints the result:
 * "2006-01-02 15:04:05.999999999 -0700 MST". Undefined: not a timestamp.
 */
export function goTimestamp(text: string): string | undefined {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:([Tt])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})| (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, t, th, tm, ts, tf, zone, sh, sm, ss, sf] = match;
  const [hour, minute, second, fraction] = t ? [th, tm, ts, tf] : [sh ?? "0", sm ?? "0", ss ?? "0", sf];
  const numbers = [year, month, day, hour, minute, second].map(Number);
  const date = new Date(Date.UTC(numbers[0], numbers[1] - 1, numbers[2], numbers[3], numbers[4], numbers[5]));
  // time.Parse refuses a day or time that does not exist (2026-02-30, 24:00:00).
  if (date.getUTCFullYear() !== numbers[0] || date.getUTCMonth() !== numbers[1] - 1 || date.getUTCDate() !== numbers[2] || numbers[3] > 23 || numbers[4] > 59 || numbers[5] > 59) return undefined;
  const two = (value: number) => String(value).padStart(2, "0");
  const frac = fraction ? `.${fraction.replace(/0+$/, "")}`.replace(/^\.$/, "") : "";
  const offset = !zone || zone === "Z" ? "+0000 UTC" : `${zone.replace(":", "")} ${zone.replace(":", "")}`;
  return `${year}-${two(numbers[1])}-${two(numbers[2])} ${two(numbers[3])}:${two(numbers[4])}:${two(numbers[5])}${frac} ${offset}`;
}

const int64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Max = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint: prefixes 0x 0o 0b, a leading 0 for octal. */
function goParseInteger(text: string, signed: boolean): bigint | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match || (!signed && match[1])) return undefined;
  const body = match[2];
  const magnitude = /^0[xXbBoO]/.test(body) ? BigInt(`0${body[1].toLowerCase()}${body.slice(2)}`) : body.length > 1 && body[0] === "0" ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  const value = match[1] === "-" ? -magnitude : magnitude;
  if (signed ? value < int64[0] || value > int64[1] : value > uint64Max) return undefined;
  return value;
}

/** What yaml.v3 makes of a plain scalar decoded into `any`. */
export function resolvePlain(text: string): string | number | boolean | null {
  if (goNull.has(text)) return null;
  if (text in goBool) return goBool[text];
  if (text in goSpecialFloats) return goSpecialFloats[text];
  const hint = text[0];
  if (hint === ".") {
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : text;
  }
  if (!/[-+0-9]/.test(hint)) return text;
  const time = goTimestamp(text);
  if (time !== undefined) return time;
  const plain = text.replace(/_/g, "");
  const integer = goParseInteger(plain, true) ?? goParseInteger(plain, false);
  if (integer !== undefined) return Number(integer);
  if (yamlStyleFloat.test(plain)) return Number(plain);
  return text;
}

/** Plain scalars (all but empty ones, which never reach a tag's test) resolved as yaml.v3 does. */
const goPlain: ScalarTag = {
  tag: "tag:yaml.org,2002:go-plain",
  default: true,
  test: /^(?!<<$)[\s\S]+$/,
  resolve: (text: string) => resolvePlain(text) as never,
};

/** The file's bytes as text the way yaml.v3's reader takes them: a BOM picks UTF-16; else UTF-8, strictly. */
export function decodeYamlBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le", { fatal: true }).decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be", { fatal: true }).decode(bytes.subarray(2));
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new YamlProblem(`not UTF-8 (byte ${firstInvalidSequence(bytes) + 1}); Pulumi reads YAML as UTF-8, or UTF-16 with a byte-order mark`);
  }
}

/**
 * Where the first byte sequence that is not UTF-8 starts (0-based), in O(n log n): a
 * streaming decode accepts an unfinished sequence at the end, so prefixes stay valid up
 * to the first bad byte; the sequence that byte breaks starts at most 3 bytes before it.
 */
function firstInvalidSequence(bytes: Uint8Array): number {
  const decodes = (length: number, stream: boolean) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, length), { stream });
      return true;
    } catch {
      return false;
    }
  };
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (decodes(middle, true)) low = middle;
    else high = middle - 1;
  }
  let start = low;
  while (start > Math.max(0, low - 3) && !decodes(start, false)) start -= 1;
  return start;
}

/** yaml.v3's control-character rule (readerc.go): what YAML may hold besides tab, LF and CR. */
const controlCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/;

/**
 * yaml.v3's guard against alias bombs (decode.go, allowedAliasRatio): counting every node
 * decoded, and those decoded through an alias, it refuses once more than 100 came through
 * aliases, more than 1,000 in all, and the share through aliases passes 0.99 (falling to
 * 0.10 between 400,000 and 4,000,000 nodes). Iterative, and stops at the limit.
 */
function checkAliasing(document: Document): void {
  const allowed = (decoded: number) => (decoded <= 400_000 ? 0.99 : decoded >= 4_000_000 ? 0.1 : 0.99 - (0.89 * (decoded - 400_000)) / 3_600_000);
  let decoded = 0;
  let aliased = 0;
  const stack: [unknown, boolean][] = [[document.contents, false]];
  while (stack.length) {
    const [node, viaAlias] = stack.pop()!;
    if (node === null || node === undefined) continue;
    decoded += 1;
    if (viaAlias) aliased += 1;
    if (aliased > 100 && decoded > 1000 && aliased / decoded > allowed(decoded)) throw new YamlProblem("document contains excessive aliasing (yaml.v3 refuses it too): an alias bomb?");
    if (isAlias(node)) stack.push([node.resolve(document), true]);
    else if (isMap(node) || isSeq(node)) for (const item of node.items) isPair(item) ? stack.push([item.value, viaAlias], [item.key, viaAlias]) : stack.push([item, viaAlias]);
  }
}

export interface GoYamlDocument {
  /** The first document's value: what Pulumi reads. */
  value: unknown;
  /** Documents after the first, which Pulumi ignores. */
  ignoredDocuments: number;
}

/** Parses YAML text as yaml.v3 decodes it into `any`; a YamlProblem for what yaml.v3 (or this reader) refuses. */
export function parseGoYaml(text: string): GoYamlDocument {
  const control = controlCharacter.exec(text);
  if (control) {
    const before = text.slice(0, control.index).split("\n");
    throw new YamlProblem(`control characters are not allowed (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`, before.length, before[before.length - 1].length + 1);
  }
  const documents = parseAllDocuments(text, { schema: "failsafe", customTags: [goPlain], merge: true, uniqueKeys: true });
  const all = Array.isArray(documents) ? documents : [];
  const first: Document | undefined = all[0];
  if (!first) return { value: null, ignoredDocuments: 0 };
  const problem = first.errors[0] ?? first.warnings[0];
  if (problem) {
    const at = problem.linePos?.[0];
    const tag = /tag:yaml\.org,2002:(\w+)/.exec(problem.message)?.[1];
    const message = /Maximum call stack/.test(problem.message)
      ? "nested too deep for this reader (no defimon: key nests more than 4 levels)"
      : /Unresolved tag/.test(problem.message)
        ? `the tag ${tag ? `!!${tag}` : "given"} is not read here; write the value without a tag`
        : problem.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new YamlProblem(message, at?.line, at?.col);
  }
  // An empty plain scalar is null to yaml.v3 (no tag's test sees it).
  visit(first, { Scalar: (_key, node) => void (isScalar(node) && node.type === "PLAIN" && !node.tag && node.value === "" && (node.value = null)) });
  checkAliasing(first);
  let value: unknown;
  try {
    value = first.toJS({ maxAliasCount: -1 });
  } catch (error) {
    // Aliasing was bounded above (checkAliasing); what is left is depth.
    if (error instanceof RangeError) throw new YamlProblem("nested too deep for this reader");
    throw new YamlProblem((error as Error).message.split("\n")[0]);
  }
  return { value, ignoredDocuments: all.length - 1 };
}
