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
import { parse } from "yaml";

export interface StackConfigFiles {
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
}

export const secretPlaceholder = "[secret]";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function readYaml(file: string): unknown {
  return parse(fs.readFileSync(file, "utf8"));
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

function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

export function readStackConfigFiles(projectDir: string, stack: string): StackConfigFiles {
  const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
  if (!isPlainObject(projectFile) || typeof projectFile.name !== "string") {
    throw new Error(`${path.join(projectDir, "Pulumi.yaml")} has no project name`);
  }
  const project = projectFile.name;

  const stackFile = ["yaml", "yml"].map((ext) => path.join(projectDir, `Pulumi.${stack}.${ext}`)).find((file) => fs.existsSync(file));
  if (!stackFile) {
    throw new Error(`no stack file Pulumi.${stack}.yaml in ${projectDir}; stacks here: ${stackNames(projectDir).join(", ") || "none"}`);
  }
  const stackDoc = readYaml(stackFile) ?? {};
  if (!isPlainObject(stackDoc)) throw new Error(`${stackFile} is not a YAML mapping`);

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
  for (const [key, value] of Object.entries(stackConfig)) values[qualify(key, project)] = value;

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(values)) {
    const { value, secret } = withoutSecureValues(raw);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { project, stack, config, secretKeys };
}
