// Print the end-to-end counts, per host (Playwright project) and in all, as
// plain lines, and fail on any test that was skipped, flaky or not run: a
// skip is not a pass.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const perProject = new Map();
const walk = suite => {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      const counts = perProject.get(test.projectName) ?? { passed: 0, failed: 0, skipped: 0 };
      if (test.status === 'expected') counts.passed += 1;
      else if (test.status === 'skipped') counts.skipped += 1;
      else counts.failed += 1;
      perProject.set(test.projectName, counts);
    }
  }
  for (const child of suite.suites ?? []) walk(child);
};
for (const suite of report.suites ?? []) walk(suite);
for (const project of report.config?.projects ?? []) {
  const counts = perProject.get(project.name);
  if (counts) {
    console.log(`e2e ${project.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
const { expected = 0, unexpected = 0, skipped = 0, flaky = 0 } = report.stats ?? {};
console.log(`e2e: ${expected} passed, ${unexpected + flaky} failed, ${skipped} skipped`);
process.exit(unexpected + flaky + skipped > 0 || expected === 0 ? 1 : 0);
