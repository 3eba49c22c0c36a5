/**
 * The offline plan command, `npm run plan -- --stack <name> [--json] [--out DIR] [--policy [--policy-config FILE]] [--at TIME]`.
 *
 * Runs the real program for Pulumi.<name>.yaml under the Pulumi runtime's mocks and
 * prints what the stack would create. No cloud account or Pulumi CLI is needed.
 * --policy also evaluates the policy pack (policy/) against the planned resources.
 * --at plans as of another time (UTC): the dated facts (network upgrades, security
 * releases, support windows) are judged then, e.g. the day after a fork.
 *
 * Every input is checked before anything runs, and every problem is reported at once,
 * one line each naming the flag or file, the key, the value and what is allowed:
 * exit 2 for arguments (flags, the stack's name, --out, --policy-config), 1 for the stack's
 * configuration, the program's failure or a policy violation, 0 when planned and compliant.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as clock from "../../lib/clock";
import { ConfigError, parseEngineConfig, StackConfig } from "../../lib/config";
import { estimateMonthlyCost, formatCost } from "../cost";
import { formatJson, formatTree, renderedFiles } from "./format";
import type { PolicyPackConfig } from "./policyConfig";
import { npmSwallowed } from "./output";
import { formatQuotas, quotaNeeds } from "./quotas";
import { loadProgram, projectRoot, runProgram } from "./run";
import { quoted, quotedLine } from "../../lib/quoted";
import { FileProblem, readRegularFile, readStackConfigFiles, StackConfigError, StackConfigFiles, stackNames } from "./stackFiles";

export const usage = "usage: npm run plan -- --stack <name> [--json] [--out DIR] [--policy [--policy-config FILE]] [--at TIME]";

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIO: CommandIO = { out: (text) => console.log(text), err: (text) => console.error(text) };

const options = {
  stack: { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  policy: { type: "boolean" },
  "policy-config": { type: "string" },
  at: { type: "string" },
  help: { type: "boolean" },
} as const;

/** `2026-12-16` (midnight UTC) or `2026-12-16T00:00:00Z`: a time in UTC, or undefined. */
export function parseAt(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)Z)?$/.exec(text);
  if (!match) return undefined;
  const [, day, time = "00:00"] = match;
  const at = new Date(`${day}T${time.length === 5 ? `${time}:00` : time}Z`);
  // Date rolls 2026-02-30 over into March: a day that does not exist is refused.
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== day ? undefined : at;
}

/** Pulumi's rule for stack names (sdk/go/common/tokens: ValidateStackName): letters, digits, - _ and ., at most 100. */
const stackNamePattern = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Why `--out` cannot take the rendered files, or undefined. Checked before the plan runs:
 * the nearest existing folder on the way must be a writable directory on a real file
 * system (Node's recursive mkdir spins forever under /proc).
 */
export function outProblem(out: string): string | undefined {
  const at = `--out = ${quoted(out)}`;
  if (out === "") return `${at}: empty; name the folder for the rendered files`;
  if (out === "-") return `${at}: a folder for the rendered files, not standard output (the plan itself goes there; --json for JSON)`;
  const target = path.resolve(out);
  if (/^\/(proc|sys|dev)(\/|$)/.test(target)) return `${at}: a folder on a file system for files, not under /proc, /sys or /dev`;
  let existing = target;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const stat = fs.statSync(existing);
  if (!stat.isDirectory()) return `${at}: ${existing === target ? "is" : `${existing} is`} a file; a folder (new or existing) is needed`;
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return `${at}: ${existing} is not writable`;
  }
  return undefined;
}

interface Invocation {
  stack: string;
  /** The time the dated facts are judged at; undefined: now. */
  at?: Date;
  json: boolean;
  out?: string;
  policy: boolean;
  policyConfig: PolicyPackConfig;
}

/** The arguments checked; every problem at once. */
async function parseInvocation(argv: string[], projectDir: string, env: NodeJS.ProcessEnv): Promise<Invocation | { problems: string[] } | "help"> {
  const swallowed = npmSwallowed(Object.keys(options), env, argv);
  if (swallowed) return { problems: [swallowed] };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message;
    // "--stack --json": parseArgs's three lines, in one.
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) return { problems: [`${ambiguous[1]}: no value before the next option; give one (${ambiguous[1]}=-x for a value that starts with -)`] };
    return { problems: [quotedLine(message.split("\n")[0])] };
  }
  const { values, tokens } = parsed;
  if (values.help) return "help";
  const problems: string[] = [];
  for (const name of Object.keys(options)) {
    const given = tokens.flatMap((token) => (token.kind === "option" && token.name === name ? [token.value] : []));
    if (given.length > 1) problems.push(`--${name} given ${given.length} times${given[0] !== undefined ? ` (${given.map((value) => quoted(value)).join(", ")})` : ""}: give it once`);
  }
  const stacks = stackNames(projectDir);
  if (values.stack === undefined) problems.push(`--stack: required; stacks here: ${stacks.join(", ") || "none"}`);
  else if (!stackNamePattern.test(values.stack)) problems.push(`--stack = ${quoted(values.stack)}: a stack name: 1 to 100 letters, digits, -, _ and .`);
  else if (values.stack.startsWith("-")) problems.push(`--stack = ${quoted(values.stack)}: starts with -, as an option does; the Pulumi CLI could not take it either: name the stack with a letter or digit first`);
  else if (!stacks.includes(values.stack)) problems.push(`--stack = ${quoted(values.stack)}: no stack file Pulumi.${values.stack}.yaml in ${projectDir}; stacks here: ${stacks.join(", ") || "none"}`);
  const at = values.at === undefined ? undefined : parseAt(values.at);
  if (values.at !== undefined && !at) problems.push(`--at = ${quoted(values.at)}: a day or a time in UTC, such as 2026-12-16 or 2026-12-16T19:30:00Z`);
  if (values.out !== undefined) {
    const problem = outProblem(values.out);
    if (problem) problems.push(problem);
  }
  let policyConfig: PolicyPackConfig = {};
  const configFile = values["policy-config"];
  if (configFile !== undefined) {
    const at = `--policy-config = ${quoted(configFile)}`;
    if (!values.policy) problems.push(`${at}: only with --policy (it configures the policy pack)`);
    let text: string | undefined;
    try {
      text = configFile === "" ? undefined : readRegularFile(configFile, at).toString("utf8");
      if (configFile === "") problems.push(`${at}: empty; name a JSON file`);
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      problems.push(error.message);
    }
    if (text !== undefined) {
      // The policy pack (and the JSON Schema validator) load only when asked for.
      const { parsePolicyPackConfig } = await import("./policyConfig");
      const result = parsePolicyPackConfig(text, `--policy-config ${configFile}`);
      problems.push(...result.problems);
      policyConfig = result.config;
    }
  }
  if (problems.length) return { problems };
  return { stack: values.stack!, at, json: values.json ?? false, out: values.out, policy: values.policy ?? false, policyConfig };
}

/**
 * The stack's files and configuration, or every problem with them: the CLI's own rules
 * (a declared key missing, a typed key of another type) and the program's, less the
 * program's line for a key the CLI already names as missing.
 */
function readStack(projectDir: string, stack: string): { files: StackConfigFiles; config: StackConfig } | { problems: string[] } {
  let files: StackConfigFiles;
  const problems: string[] = [];
  let missing: string[] = [];
  try {
    files = readStackConfigFiles(projectDir, stack);
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    if (!error.read) return { problems: error.problems };
    problems.push(...error.problems);
    ({ files, missing } = error.read);
  }
  try {
    const config = parseEngineConfig(files.config);
    if (!problems.length) return { files, config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The program's line on a key already reported above (or on a part of it) says nothing new.
    const known = (key: string) => missing.some((reported) => key === reported || key.startsWith(`${reported}.`) || key.startsWith(`${reported}[`));
    problems.push(...error.problems.filter((line) => !known(line.split(" = ")[0])));
  }
  return { problems };
}

/** The plan command: returns the exit code. `projectDir` is the folder with Pulumi.yaml (tests use others). */
export async function planCommand(argv: string[], io: CommandIO = consoleIO, projectDir: string = projectRoot, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const invocation = await parseInvocation(argv, projectDir, env);
  if (invocation === "help") {
    io.out(usage);
    return 0;
  }
  if ("problems" in invocation) {
    io.err(`${invocation.problems.join("\n")}\n${usage}`);
    return 2;
  }
  const previous = clock.fixedAt();
  if (invocation.at) clock.setClock(invocation.at);
  try {
    return await planInvocation(invocation, io, projectDir);
  } finally {
    clock.setClock(previous);
  }
}

async function planInvocation(invocation: Invocation, io: CommandIO, projectDir: string): Promise<number> {
  // The stack's files and configuration, before anything is declared.
  const read = readStack(projectDir, invocation.stack);
  if ("problems" in read) {
    const file = `Pulumi.${invocation.stack}.yaml`;
    io.err(read.problems.map((line) => (line.startsWith(file) || line.startsWith("Pulumi.yaml") ? line : `${file}: ${line}`)).join("\n"));
    return 1;
  }
  const { files, config } = read;
  for (const warning of files.warnings ?? []) io.err(`warning: ${warning}`);

  let plan;
  try {
    plan = await runProgram({ ...files, program: () => loadProgram(projectDir) });
  } catch (error) {
    io.err((error as Error).message);
    return 1;
  }

  const rendered = invocation.out ? renderedFiles(plan) : {};
  io.out(invocation.json ? formatJson(plan) : formatTree(plan));
  if (!invocation.json) {
    io.out(`\n${formatCost(estimateMonthlyCost(plan, config.cost))}`);
    io.out(`\n${formatQuotas(quotaNeeds(plan))}`);
  }
  let code = 0;
  if (invocation.policy) {
    const { evaluatePolicies, formatViolations } = await import("./policy");
    const violations = await evaluatePolicies(plan, invocation.policyConfig);
    const mandatory = violations.filter((violation) => violation.enforcement === "mandatory");
    const advisory = violations.filter((violation) => violation.enforcement === "advisory");
    if (advisory.length) io.err(`policy advisories (${advisory.length}):\n${formatViolations(advisory)}`);
    if (mandatory.length) {
      io.err(`policy violations (${mandatory.length}):\n${formatViolations(mandatory)}`);
      code = 1;
    } else if (!invocation.json) io.out("\npolicy pack defimon: no violations");
  }
  if (invocation.out && code === 0) {
    for (const [file, content] of Object.entries(rendered)) {
      const target = path.join(invocation.out, file);
      try {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      } catch (error) {
        io.err(`--out = ${quoted(invocation.out)}: cannot write ${target} (${(error as NodeJS.ErrnoException).code})`);
        return 1;
      }
      if (!invocation.json) io.out(`wrote ${target}`);
    }
  }
  return code;
}
