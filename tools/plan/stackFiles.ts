/**
 * Reads a stack's configuration from `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the
 * Pulumi engine does, and hands it over in the form the engine gives a program: a map of
 * `namespace:key` to text (objects, numbers and booleans as JSON), plus the secret keys.
 *
 * Secure values (`{secure: v1:...}`) cannot be decrypted offline; they become the text
 * "[secret]" and are marked secret, so the program still sees that they are set.
 */
import * as fs from "fs";
import * as path from "path";
import { quoted } from "../../lib/quoted";
import { decodeYamlBytes, parseGoYaml, YamlProblem } from "./goYaml";

export interface StackConfigFiles {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** What Pulumi reads without a word but the user should hear of (documents it ignores), one line each, naming the file. */
  warnings?: string[];
}

export const secretPlaceholder = "[secret]";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * A file's bytes, or one line on why not: only a regular file is read, opened without
 * blocking, so a FIFO, a device or a folder is refused at once instead of waited on.
 */
export function readRegularFile(file: string, name: string = file): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const dangling = code === "ENOENT" && fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink();
    throw new FileProblem(`${name}: ${dangling ? `a link to ${fs.readlinkSync(file)}, which does not exist` : code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable (permission denied)" : `cannot be opened (${code})`}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new FileProblem(`${name}: ${stat.isDirectory() ? "a folder" : stat.isFIFO() ? "a FIFO (named pipe)" : stat.isSocket() ? "a socket" : "a device"}, not a regular file`);
    return fs.readFileSync(fd);
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    throw new FileProblem(`${name}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file that cannot be read as one: one line, naming it. */
export class FileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileProblem";
  }
}

/** A YAML file's first document as Pulumi reads it; a problem (syntax, encoding, the file itself) is one line naming the file. */
function readYaml(file: string): { value: unknown; ignoredDocuments: number } {
  const name = path.basename(file);
  try {
    return parseGoYaml(decodeYamlBytes(readRegularFile(file, name)));
  } catch (error) {
    if (error instanceof FileProblem) throw new StackConfigError([error.message]);
    if (error instanceof YamlProblem) throw new StackConfigError([`${name}${error.line ? `:${error.line}:${error.col}` : ""}: not valid YAML: ${error.message}`]);
    throw error;
  }
}

export function stackNames(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** Replaces secure values anywhere in a config value; reports whether it found any. */
function withoutSecureValues(value: unknown): { value: unknown; secret: boolean } {
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 1 && typeof value.secure === "string") return { value: secretPlaceholder, secret: true };
    let secret = false;
    const entries = Object.entries(value).map(([key, inner]) => {
      const result = withoutSecureValues(inner);
      secret ||= result.secret;
      return [key, result.value];
    });
    return { value: Object.fromEntries(entries), secret };
  }
  if (Array.isArray(value)) {
    const results = value.map(withoutSecureValues);
    return { value: results.map((r) => r.value), secret: results.some((r) => r.secret) };
  }
  return { value, secret: false };
}

/** Whether a value holds a NaN or an infinity anywhere (yaml.v3 reads .nan and .inf). */
function holdsNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  return value !== null && typeof value === "object" && Object.values(value).some(holdsNonFinite);
}

function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * What the Pulumi CLI checks before a program runs, as pkg/workspace/config.go
 * (ValidateStackConfigAndApplyProjectConfig, validateStackConfigValue) and
 * sdk/go/common/workspace/project.go (ValidateConfigValue) do it (pulumi/pulumi at
 * 2026-07-20, 8584c79af1): a key declared in the project's namespace with neither `value`
 * nor `default` must be set on the stack; a typed key's stack value must have that type.
 * The offline plan fails exactly where `pulumi preview` would.
 */
export function cliConfigProblems(project: string, stack: string, declared: Record<string, unknown>, stackConfig: Record<string, unknown>): string[] {
  const missing: string[] = [];
  const problems: string[] = [];
  for (const key of Object.keys(declared).sort()) {
    const declaration = declared[key];
    if (!isPlainObject(declaration) || !("type" in declaration || "default" in declaration || "value" in declaration || "description" in declaration)) continue;
    const fullKey = qualify(key, project);
    const onStack = fullKey in stackConfig;
    const hasDefault = declaration.default !== undefined && declaration.default !== null;
    const hasValue = declaration.value !== undefined && declaration.value !== null;
    if (!onStack && !hasValue && !hasDefault && fullKey.startsWith(`${project}:`)) {
      missing.push(key);
      continue;
    }
    if (onStack && typeof declaration.type === "string" && !cliTypeAccepts(declaration.type, stackConfig[fullKey])) {
      problems.push(`Stack '${stack}' with configuration key '${key}' must be of type '${declaration.type}'`);
    }
  }
  if (missing.length) {
    const names = missing.map((key) => `'${key}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
    problems.unshift(`Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${list}`);
  }
  return problems;
}

/** ValidateConfigValue: strings that parse as integers or booleans pass as those; objects must be maps, not JSON text. */
function cliTypeAccepts(type: string, value: unknown): boolean {
  // A secure value is checked by the CLI after decryption: plaintext, of unknown content here.
  if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") return type !== "object" && type !== "array";
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?[0-9]+$/.test(value));
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    default:
      return true;
  }
}

function describeYaml(value: unknown): string {
  return Array.isArray(value) ? "a list" : value === null ? "empty" : `a ${typeof value} (${quoted(value)})`;
}

/** A stack file rejected as YAML or by the CLI's own rules; one line per problem. */
export class StackConfigError extends Error {
  constructor(
    readonly problems: string[],
    /** When the CLI's rules (or this reader's) failed: the config as read, and the keys already reported (`ns:key`): missing, secure, not storable. */
    readonly read?: { files: StackConfigFiles; missing: string[] },
  ) {
    super(problems.join("\n"));
    this.name = "StackConfigError";
  }
}

export function readStackConfigFiles(projectDir: string, stack: string): StackConfigFiles {
  const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml")).value;
  if (!isPlainObject(projectFile) || typeof projectFile.name !== "string") {
    throw new StackConfigError([`Pulumi.yaml: name: ${describeYaml(isPlainObject(projectFile) ? (projectFile.name ?? null) : projectFile)}: the project's name, a string`]);
  }
  const project = projectFile.name;

  // lstat: a dangling link is still the stack's file, and is reported as one.
  const stackFile = ["yaml", "yml"].map((ext) => path.join(projectDir, `Pulumi.${stack}.${ext}`)).find((file) => fs.lstatSync(file, { throwIfNoEntry: false }));
  if (!stackFile) {
    throw new StackConfigError([`no stack file Pulumi.${stack}.yaml in ${projectDir}; stacks here: ${stackNames(projectDir).join(", ") || "none"}`]);
  }
  const read = readYaml(stackFile);
  const stackDoc = read.value ?? {};
  const name = path.basename(stackFile);
  const warnings = read.ignoredDocuments ? [`${name}: ${read.ignoredDocuments === 1 ? "a second YAML document follows" : `${read.ignoredDocuments} more YAML documents follow`} (after ---); Pulumi reads only the first, and so does the plan: remove the rest or merge it into the first`] : [];
  if (!isPlainObject(stackDoc)) throw new StackConfigError([`${name}: ${describeYaml(stackDoc)} at the top: a mapping with config: and, optionally, secretsprovider:, encryptedkey:, encryptionsalt:, environment:`]);
  if (stackDoc.config !== undefined && stackDoc.config !== null && !isPlainObject(stackDoc.config)) {
    throw new StackConfigError([`${name}: config: is ${describeYaml(stackDoc.config)}: a mapping of keys (namespace:key) to values`]);
  }

  const values: Record<string, unknown> = {};
  // Project-level config: a declaration's `value` or `default`, or a bare value.
  const declared = isPlainObject(projectFile.config) ? projectFile.config : {};
  for (const [key, declaration] of Object.entries(declared)) {
    if (isPlainObject(declaration) && ("value" in declaration || "default" in declaration || "type" in declaration)) {
      const value = "value" in declaration ? declaration.value : declaration.default;
      if (value !== undefined) values[qualify(key, project)] = value;
    } else {
      values[qualify(key, project)] = declaration;
    }
  }
  // Stack config replaces project defaults key by key (objects are not merged, as in the engine).
  const stackConfig = isPlainObject(stackDoc.config) ? stackDoc.config : {};
  const qualifiedStack = Object.fromEntries(Object.entries(stackConfig).map(([key, value]) => [qualify(key, project), value]));
  const cliProblems = cliConfigProblems(project, stack, declared, qualifiedStack);
  Object.assign(values, qualifiedStack);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const valueProblems: string[] = [];
  /** Keys reported here whose value the program's checks would only misread. */
  const reported: string[] = [];
  for (const [key, raw] of Object.entries(values)) {
    const { value, secret } = withoutSecureValues(raw);
    // yaml.v3 hands an empty (null) value no unmarshaler: Pulumi keeps an empty string.
    config[key] = typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
    if (secret) secretKeys.push(key);
    // The program reads its own namespace and the provider's in the clear; the offline plan cannot decrypt.
    if (secret && [project, "gcp"].includes(key.split(":")[0])) {
      reported.push(key);
      valueProblems.push(`${key} is a secure value: the offline plan cannot decrypt it, and the stack reads ${key.split(":")[0]}: keys as plain settings; set it in the clear (pulumi config set ${key} <value>, without --secret)`);
    }
    // Go's JSON, which Pulumi stores config objects and numbers in, has no NaN or infinity.
    if (holdsNonFinite(raw)) {
      reported.push(key);
      valueProblems.push(`${key}: holds .inf or .nan, which Pulumi cannot store (JSON has no such number); quote it if it is text`);
    }
  }
  const files = { project, stack, config, secretKeys, ...(warnings.length ? { warnings } : {}) };
  const problems = [...cliProblems, ...valueProblems];
  if (problems.length) {
    const missing = Object.keys(declared).map((key) => qualify(key, project)).filter((key) => !(key in config));
    throw new StackConfigError(problems, { files, missing: [...missing, ...reported] });
  }
  return files;
}
