/**
 * One line and exit 1 on a Node older than this project needs (plain CommonJS, so that an
 * old Node reads it): `npm test` runs it first, scripts/ts.js (npm run plan, ...) requires it.
 */
"use strict";

const requiredMajor = 22;

/** The line to print for Node `version` at `execPath`, or undefined when it is new enough. */
function nodeProblem(version, execPath) {
  if (Number(version.split(".")[0]) >= requiredMajor) return undefined;
  return `Node.js ${requiredMajor} or later is needed, and this is ${version} (${execPath}): run .ci/setup, which installs Node ${requiredMajor} and puts it first, or: node22=$(.ci/node22) && export PATH="$node22:$PATH"`;
}

const problem = nodeProblem(process.versions.node, process.execPath);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

module.exports = { nodeProblem, requiredMajor };
