/**
 * The offline plan: runs the real program for one stack file under the Pulumi runtime's
 * mocks (no cloud account, no Pulumi CLI) and returns what it would register.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { defaultMockProject, GcpMocks } from "./mocks";
import { PlannedResource, RecordingMonitor } from "./recorder";

export interface Plan {
  stack: string;
  project: string;
  resources: PlannedResource[];
  /** Stack outputs; secrets are "[secret]". */
  outputs: Record<string, unknown>;
  /** Image references pinned to stand-in digests (published public tags; `pulumi preview` resolves the real ones). */
  standInImages: string[];
  /** What the program logged as warnings (`pulumi.log.warn`), in order: the CLI prints them, tests read them. */
  warnings: string[];
}

/** The program failed; the message is the program's own (for bad config, one line per problem). */
export class ProgramError extends Error {
  constructor(
    readonly cause: unknown,
    /** What the program had declared before it failed. */
    readonly registered: PlannedResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "ProgramError";
  }
}

export const projectRoot = path.resolve(__dirname, "..", "..");

/**
 * Runs the project's program as Pulumi does: index.ts exports a function, called once
 * per run, whose result is the stack outputs.
 */
export function loadProgram(projectDir: string = projectRoot): unknown {
  const exported = require(path.join(projectDir, "index.ts"));
  return typeof exported === "function" ? exported() : exported;
}

export interface ProgramRun {
  project: string;
  stack: string;
  /** The engine's config map (`namespace:key` to text) and which keys are secret. */
  config: Record<string, string>;
  secretKeys?: string[];
  /** Runs the program: requires index.ts, or declares components directly (tests). */
  program: () => unknown;
}

/**
 * Runs a program under GCP-shaped mocks and records everything it registers.
 *
 * Without stack capture while it runs: @pulumi/pulumi records a stack trace for every
 * promise it makes (runtime/debuggable.js, for a leak report at exit), which was most of a
 * plan's time under jest (100 frames each there). Errors keep their messages, which are
 * all the plan reports.
 */
export async function runProgram(run: ProgramRun): Promise<Plan> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await planProgram(run);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function planProgram(run: ProgramRun): Promise<Plan> {
  pulumi.runtime.setAllConfig(run.config, run.secretKeys ?? []);
  const mocks = new GcpMocks({
    ...defaultMockProject,
    projectId: run.config["gcp:project"] ?? defaultMockProject.projectId,
    region: run.config["gcp:region"] ?? defaultMockProject.region,
    zone: run.config["gcp:zone"] ?? defaultMockProject.zone,
  });
  // setMocks turns on the features the engine would announce; then the recording
  // monitor takes the plain mock monitor's place.
  await pulumi.runtime.setMocks(mocks, run.project, run.stack, false);
  const monitor = new RecordingMonitor(mocks);
  pulumi.runtime.setMockOptions(monitor, run.project, run.stack, false);

  // The program's own error (bad config is a RunError) is caught here and rethrown after
  // the run, as the language host reports it; thrown inside the stack it would also
  // reject the stack's outputs, an unhandled rejection that ends the process.
  let programError: unknown;
  // Without an engine, pulumi.log.warn writes to console.warn: kept with the plan instead.
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    const runtime = /^warning: \[runtime\] ([\s\S]*)$/.exec(text);
    if (runtime) warnings.push(runtime[1]);
    else consoleWarn(...args);
  };
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await run.program();
      } catch (error) {
        programError = error;
        return undefined;
      }
    });
  } finally {
    await pulumi.runtime.disconnect();
    console.warn = consoleWarn;
  }
  if (programError !== undefined) {
    throw new ProgramError(programError, monitor.planned.filter((resource) => resource.type !== "pulumi:pulumi:Stack"));
  }
  if (mocks.refusals.length) {
    const refused = new Error(`Google Cloud would refuse this plan:\n${mocks.refusals.join("\n")}`);
    throw new ProgramError(refused, monitor.planned.filter((resource) => resource.type !== "pulumi:pulumi:Stack"));
  }

  const stackResource = monitor.planned.find((resource) => resource.type === "pulumi:pulumi:Stack");
  return {
    stack: run.stack,
    project: run.project,
    resources: monitor.planned,
    outputs: (stackResource && monitor.registeredOutputs.get(stackResource.urn)) ?? {},
    standInImages: [...new Set(mocks.standInImages)].sort(),
    warnings,
  };
}
