import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTempDir } from '../src/testing/index.js';
import type { TestNote } from './fixtures/capabilities/notes-reporter.js';

// The fixtures in test/fixtures/capabilities run the conformance suites against fakes with
// capabilities switched off (limited-backends) and against fakes whose manifest lies about
// what they do (lying-backends), in a child vitest process; these tests read its reports.

interface Assertion {
  readonly ancestorTitles: string[];
  readonly title: string;
  readonly fullName: string;
  readonly status: string;
  readonly failureMessages: string[];
}
interface FileReport {
  readonly name: string;
  readonly assertionResults: Assertion[];
}
interface JsonReport {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTotalTests: number;
  readonly testResults: FileReport[];
}

const fixtures = join(import.meta.dirname, 'fixtures', 'capabilities');
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest')), 'vitest.mjs');

function runFixtures(reportDir: string): Promise<{ code: number | null; output: string }> {
  // The child must not think it is a worker of this run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  env.REPORT_DIR = reportDir;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestCli, 'run', '--config', join(fixtures, 'vitest.config.ts')], {
      cwd: fixtures,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

let report: JsonReport;
let notes: Map<string, TestNote>;
let exitCode: number | null;

beforeAll(async () => {
  await withTempDir(async (dir) => {
    const run = await runFixtures(dir);
    exitCode = run.code;
    try {
      report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as JsonReport;
      const list = JSON.parse(await readFile(join(dir, 'notes.json'), 'utf8')) as TestNote[];
      notes = new Map(list.map((n) => [n.fullName, n]));
    } catch (cause) {
      throw new Error(`the fixture run left no reports (exit code ${run.code}):\n${run.output}`, { cause });
    }
  });
}, 180_000);

function fileReport(name: string): FileReport {
  const found = report.testResults.find((f) => f.name.endsWith(name));
  if (found === undefined) throw new Error(`no report for ${name}`);
  return found;
}

/** Tests of one describeSearch/describeStore block, by the backend name given to it. */
function testsOf(file: FileReport, backend: string): Assertion[] {
  const prefix = `${backend} — `;
  const tests = file.assertionResults.filter((a) => a.fullName.startsWith(prefix));
  expect(tests.length, `tests of ${backend}`).toBeGreaterThan(0);
  return tests;
}

/** What a test must report for a backend declaring `supports`, read from the capability tag in its title. */
function expectedStatus(fullName: string, supports: Record<string, boolean>): 'passed' | 'skipped' {
  const needs = /\[needs supports\.(\w+)\]/.exec(fullName);
  if (needs) return supports[needs[1] as string] === true ? 'passed' : 'skipped';
  const without = /\[without supports\.(\w+)\]/.exec(fullName);
  if (without) return supports[without[1] as string] === true ? 'skipped' : 'passed';
  return 'passed';
}

const SEARCH_TESTS = 19;
const STORE_TESTS = 16;

describe('conformance suites on backends that lack capabilities', () => {
  const limited: Array<[string, Record<string, boolean>, number]> = [
    // 5 save tests [needs persistence] + the [without delete] and [without filter] tests.
    ['non-persistent FakeSearch', { delete: true, filter: true, persistence: false, exact: true }, 7],
    // 5 save tests + [needs exact] + [needs delete] + [needs filter].
    ['bare FakeSearch', { delete: false, filter: false, persistence: false, exact: false }, 8],
    // [without delete] + [needs persistence].
    ['FakeStore', { delete: true, persistence: false }, 2],
    // [needs delete] + [needs persistence].
    ['FakeStore without delete', { delete: false, persistence: false }, 2],
  ];

  it('reports every test of a capability the backend lacks as skipped, and fails none', () => {
    const file = fileReport('limited-backends.suite.ts');
    // 7 + 8 + 2 + 2 skipped; the rest of 2 × 19 search and 2 × 16 store tests pass.
    expect(file.assertionResults.filter((a) => a.status === 'skipped')).toHaveLength(19);
    expect(file.assertionResults.filter((a) => a.status === 'failed')).toHaveLength(0);
    expect(file.assertionResults.filter((a) => a.status === 'passed')).toHaveLength(2 * 19 + 2 * 16 - 19);
  });

  for (const [backend, supports, skipped] of limited) {
    it(`${backend}: skips exactly the tests its capabilities rule out`, () => {
      const tests = testsOf(fileReport('limited-backends.suite.ts'), backend);
      expect(tests).toHaveLength(backend.includes('Search') ? SEARCH_TESTS : STORE_TESTS);
      for (const t of tests) expect(t.status, t.fullName).toBe(expectedStatus(t.fullName, supports));
      expect(tests.filter((t) => t.status === 'skipped')).toHaveLength(skipped);
    });
  }

  it('names the capability in the title and in the skip reason of every skipped test', () => {
    const file = fileReport('limited-backends.suite.ts');
    for (const t of file.assertionResults.filter((a) => a.status === 'skipped')) {
      const tag = /\[(?:needs|without) (supports\.\w+)\]/.exec(t.fullName);
      expect(tag, `capability tag in "${t.fullName}"`).not.toBeNull();
      const note = notes.get([...t.ancestorTitles, t.title].join(' > '));
      expect(note?.state).toBe('skipped');
      expect(note?.note, `skip reason of "${t.fullName}"`).toContain(tag?.[1] as string);
    }
  });

  it('runs the UNSUPPORTED checks for what a backend lacks, and they pass', () => {
    const tests = testsOf(fileReport('limited-backends.suite.ts'), 'bare FakeSearch');
    const lacking = tests.filter((t) => t.fullName.includes('[without supports.'));
    expect(lacking.map((t) => /\[without supports\.(\w+)\]/.exec(t.fullName)?.[1]).sort()).toEqual([
      'delete',
      'filter',
      'persistence',
    ]);
    for (const t of lacking) expect(t.status, t.fullName).toBe('passed');
  });
});

describe('conformance suites on backends whose manifest is wrong', () => {
  it('fails a Search that declares delete, filter or persistence missing but performs them', () => {
    const tests = testsOf(
      fileReport('lying-backends.suite.ts'),
      'FakeSearch claiming to lack delete, filter and persistence',
    );
    const failed = tests.filter((t) => t.status === 'failed');
    expect(failed.map((t) => /\[without supports\.(\w+)\]/.exec(t.fullName)?.[1]).sort()).toEqual([
      'delete',
      'filter',
      'persistence',
    ]);
    for (const t of failed) expect(t.failureMessages.join('\n')).toMatch(/declares supports\.\w+ = false/);
  });

  it('fails a Store that declares delete missing but deletes', () => {
    const tests = testsOf(fileReport('lying-backends.suite.ts'), 'FakeStore claiming to lack delete');
    expect(tests.filter((t) => t.status === 'failed').map((t) => t.fullName)).toEqual([
      expect.stringContaining('[without supports.delete]'),
    ]);
  });

  it('fails a Store that declares persistence without giving the suite a way to reopen it', () => {
    const tests = testsOf(fileReport('lying-backends.suite.ts'), 'FakeStore claiming persistence, without reopen');
    const failed = tests.filter((t) => t.status === 'failed');
    expect(failed.map((t) => t.fullName)).toEqual([expect.stringContaining('[needs supports.persistence]')]);
    expect(failed[0]?.failureMessages.join('\n')).toContain('reopen');
  });

  it('fails a Store that declares persistence but loses its records when reopened', () => {
    const tests = testsOf(
      fileReport('lying-backends.suite.ts'),
      'FakeStore claiming persistence, with a reopen that loses everything',
    );
    expect(tests.filter((t) => t.status === 'failed').map((t) => t.fullName)).toEqual([
      expect.stringContaining('records survive closing and reopening'),
    ]);
  });

  it('the whole fixture run fails only on those six tests', () => {
    expect(exitCode).toBe(1);
    // 3 (search) + 1 + 1 + 1 (stores)
    expect(report.numFailedTests).toBe(6);
    expect(report.numPassedTests + report.numFailedTests + report.numPendingTests).toBe(report.numTotalTests);
  });
});
