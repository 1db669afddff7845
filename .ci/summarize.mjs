// Sums the vitest JSON reports of every workspace package into the line CI reads:
// "N passed, N failed" (", N skipped" when any). A package with tests but no report counts as failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
    // Name each failure here: this summary is the part of the log that is always read.
    for (const file of results.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (test.status !== 'failed') continue;
        const reason = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
        console.log(`  FAILED ${file.name.slice(process.cwd().length + 1)} > ${test.fullName}: ${reason}`);
      }
    }
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    skipped += pending;
    // A file that failed without a failed test (a syntax error, a missing import, a beforeAll hook that
    // threw, which leaves its tests merely skipped) is a failure too.
    for (const file of results.testResults ?? []) {
      if (file.status !== 'failed' || (file.assertionResults ?? []).some((test) => test.status === 'failed'))
        continue;
      failed += 1;
      const reason = (file.message ?? '').split('\n')[0].slice(0, 300);
      console.log(`  FAILED ${file.name.slice(process.cwd().length + 1)}: ${reason}`);
    }
  }
}
const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(line);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
