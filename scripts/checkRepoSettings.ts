/**
 * Shows which of the repository settings the pipeline relies on hold (docs/ci.md, "Pull
 * requests", Repository settings), asking GitHub with the `gh` CLI (a repository admin's
 * token reads them all):
 *
 *   npm run -s check:repo-settings -- OWNER/REPO
 *
 * One line per setting; exit 0 when all hold, 1 when one does not or cannot be read, 2 for
 * bad arguments or no `gh`.
 */
import { spawnSync } from "child_process";
import { Answers, judgeRepoSettings, settingPaths, settingsReport } from "../tools/repoSettings";

function main(argv: string[]): number {
  const [repo, ...extra] = argv;
  if (!repo || extra.length || !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repo)) {
    console.error(`OWNER/REPO = ${JSON.stringify(argv.join(" ") || null)}: one repository, as owner/name\nusage: npm run -s check:repo-settings -- OWNER/REPO`);
    return 2;
  }
  const answers: Answers = {};
  for (const path of settingPaths(repo)) {
    const result = spawnSync("gh", ["api", path], { encoding: "utf8" });
    if (result.error) {
      console.error(`gh: ${result.error.message} (the GitHub CLI is needed: https://cli.github.com)`);
      return 2;
    }
    const status = /HTTP (\d{3})/.exec(result.stderr)?.[1];
    answers[path] = result.status === 0 ? { body: JSON.parse(result.stdout || "null") } : { status: Number(status ?? 0) };
  }
  const { lines, ok } = settingsReport(judgeRepoSettings(repo, answers));
  console.log(lines.join("\n"));
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
