/**
 * Runs the plan command in a child process, for cases that could block the process they
 * run in (a FIFO read without O_NONBLOCK waits for a writer forever, where no jest timeout
 * reaches): `node scripts/ts.js test/helpers/planIn.ts DIR '[["--stack", "x"], ...]'`
 * prints, as JSON, each case's exit code and lines. The caller bounds the process.
 */
import { planCommand } from "../../tools/plan/command";

async function main(): Promise<void> {
  const [dir, cases] = process.argv.slice(2);
  const results = [];
  for (const argv of JSON.parse(cases) as string[][]) {
    const lines: string[] = [];
    const code = await planCommand(argv, { out: (text) => lines.push(text), err: (text) => lines.push(...text.split("\n")) }, dir);
    results.push({ code, lines });
  }
  process.stdout.write(JSON.stringify(results));
}

main();
