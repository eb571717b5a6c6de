// Print the end-to-end counts as one plain line, and fail on any test that
// was skipped, flaky or not run: a skip is not a pass.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const { expected = 0, unexpected = 0, skipped = 0, flaky = 0 } = report.stats ?? {};
console.log(`e2e: ${expected} passed, ${unexpected + flaky} failed, ${skipped} skipped`);
process.exit(unexpected + flaky + skipped > 0 || expected === 0 ? 1 : 0);
