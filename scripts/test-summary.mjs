#!/usr/bin/env node
// Sums the vitest JSON reports of every workspace package and ends with one line: "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
/** "package › file › test: first line of the message", for each failed test or file that failed to load. */
const failures = [];
const firstLine = (text) =>
  String(text ?? '')
    .split('\n')
    .find((l) => l.trim() !== '') ?? '';
for (const group of ['packages', 'apps']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) {
    const pkg = join(base, name);
    if (!existsSync(join(pkg, 'vitest.config.ts'))) continue;
    const report = join(pkg, 'test-results.json');
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    const failedTests = r.numFailedTests ?? 0;
    // A file that fails to load has no failed test but a failed suite: count it too.
    failed += failedTests > 0 ? failedTests : (r.numFailedTestSuites ?? 0);
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    for (const file of r.testResults ?? []) {
      const where = `${group}/${name} › ${file.name?.startsWith(pkg) ? file.name.slice(pkg.length + 1) : file.name}`;
      const failedHere = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of failedHere) failures.push(`${where} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
      if (failedHere.length === 0 && file.status === 'failed') failures.push(`${where}: ${firstLine(file.message)}`);
    }
  }
}
// The consumer check (scripts/consumer-check.mjs), when it ran: its checks count like tests.
const consumer = join(root, 'consumer-check-results.json');
if (existsSync(consumer)) {
  const r = JSON.parse(readFileSync(consumer, 'utf8'));
  console.log(`consumer check: ${r.passed} passed, ${r.failed} failed`);
  passed += r.passed;
  failed += r.failed;
  for (const check of r.failures ?? []) failures.push(`consumer check › ${check.readme}: ${check.what}`);
}
// A package whose tests did not run at all counts as one failure, so it cannot hide.
failed += missing.length;
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
// The test command's exit status, when the caller passes it (`--test-status N`, as .ci/run does): a
// run that failed with no failed test in any report (vitest's unhandled errors, say) still counts.
const flag = process.argv.indexOf('--test-status');
const status = flag === -1 ? 0 : Number(process.argv[flag + 1]);
if (status !== 0 && failed === 0) {
  console.log(`the test command exited with status ${status} although no test failed: see its log (unhandled errors?)`);
  failed += 1;
}
// The failures last but one, so that the tail of a CI log names them.
if (failures.length > 0) {
  console.log(`failed (${failures.length}):`);
  for (const line of failures) console.log(`  ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
}
if (skipped > 0)
  console.log(`${skipped} skipped (capabilities a backend does not have, reported by the conformance suites)`);
// The last line is exactly "N passed, N failed".
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
