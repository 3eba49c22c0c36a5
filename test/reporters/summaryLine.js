/**
 * Ends a jest run with one plain line, "jest: N passed, N failed, N skipped", for CI
 * systems that read a closing line but not jest's own summary. Jest prints its summary
 * after every custom reporter, so the line is written as the process exits.
 */
const fs = require("fs");

class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once("exit", () => fs.writeSync(1, line));
  }
}

module.exports = SummaryLineReporter;
