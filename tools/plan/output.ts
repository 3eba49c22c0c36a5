/**
 * The plan command's standard output and error as file descriptors, written synchronously
 * so that a write that fails (a full disk, a reader gone) is known before the exit code is.
 */
import * as fs from "fs";
import type { CommandIO } from "./command";

/**
 * Whether standard output was closed when the process started (the shell's `>&-`). Node
 * puts /dev/null, opened read-write, in place of a closed standard stream, so writes
 * "succeed"; a shell's `> /dev/null` opens it write-only. Linux only (/proc); false elsewhere.
 */
export function stdoutClosedAtStart(fd = 1): boolean {
  try {
    if (fs.readlinkSync(`/proc/self/fd/${fd}`) !== "/dev/null") return false;
    const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & 3) === fs.constants.O_RDWR;
  } catch {
    return false;
  }
}

/** Writes all of `text` to `fd`, waiting out a non-blocking pipe that is full. */
function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length) {
    try {
      buffer = buffer.subarray(fs.writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** CommandIO on two descriptors; `failure()` names the first write to standard output that failed. */
export function descriptorIO(out = 1, err = 2): CommandIO & { failure: () => string | undefined } {
  let failure: string | undefined;
  return {
    out: (text) => {
      if (failure) return;
      try {
        writeAll(out, `${text}\n`);
      } catch (error) {
        failure = `standard output: cannot write the plan (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      }
    },
    err: (text) => {
      try {
        writeAll(err, `${text}\n`);
      } catch {
        // Nowhere left to say it; the exit code does.
      }
    },
    failure: () => failure,
  };
}

/**
 * Options npm kept for itself: `npm run plan --stack dev` (without --) sets
 * npm_config_stack=true and passes only "dev" on. One line naming them, or undefined.
 */
export function npmSwallowed(options: string[], env: NodeJS.ProcessEnv, argv: string[]): string | undefined {
  const taken = options.filter((name) => env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined && !argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`)));
  if (!taken.length) return undefined;
  return `npm kept ${taken.map((name) => `--${name}`).join(", ")} for itself (options before -- are npm's): run npm run plan -- ${taken.map((name) => `--${name}`).join(" ")} ...`;
}
