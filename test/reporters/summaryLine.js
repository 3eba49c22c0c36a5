/**
 * Ends a jest run with one plain line, "jest: N passed, N failed, N skipped", that CI
 * systems which do not parse jest's own summary can read.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

module.exports = SummaryLineReporter;
