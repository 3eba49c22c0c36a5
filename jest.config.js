/**
 * Jest transpiles with SWC and does not type-check: `npm run typecheck` (tsc --noEmit)
 * is its own step of `npm test`, so each test file loads in milliseconds.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  // Both cores: much of the suite waits on child processes (plan CLI, shellcheck, docker-compose).
  maxWorkers: 2,
  // Dated facts are judged at the catalogs' read date (test/helpers/fixedClock.ts).
  setupFiles: ["<rootDir>/test/helpers/fixedClock.ts"],
  // Quiet: the summary and each failing test with its output, no line per passing file and
  // no console output of passing tests (`npx jest --reporters default` shows them all).
  reporters: [["summary", { summaryThreshold: 0 }], "<rootDir>/test/reporters/summaryLine.js"],
  // Offline plans run the whole program; the default 5 s is tight on a busy 2-core machine.
  testTimeout: 30000,
};
