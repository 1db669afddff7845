// Sums the vitest JSON reports of every workspace package into the line CI reads:
// "N passed, N failed" (", N skipped" when any). A package with tests but no report counts as failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The first line of an error message, cut to a length a log line can take. */
const firstLine = (message = '') => message.split('\n')[0].slice(0, 300);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue;
    const report = join(dir, 'test-results.json');
    if (!existsSync(report)) {
      console.log(`${dir}: no test report (the test run did not finish)`);
      failed += 1;
      continue;
    }
    const results = JSON.parse(readFileSync(report, 'utf8'));
    const pending = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
    console.log(
      `${dir}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${pending} skipped`,
    );
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    skipped += pending;
    // Each failure is named here: this summary is the part of the log that is always read.
    for (const file of results.testResults ?? []) {
      const where = relative(process.cwd(), file.name);
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
      for (const test of failedTests)
        console.log(`  FAILED ${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      // A file that failed without a failed test (a syntax error, a missing import, a beforeAll hook that
      // threw, which leaves its tests merely skipped) is a failure too.
      if (file.status === 'failed' && failedTests.length === 0) {
        failed += 1;
        console.log(`  FAILED ${where}: ${firstLine(file.message)}`);
      }
    }
  }
}
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(line);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
