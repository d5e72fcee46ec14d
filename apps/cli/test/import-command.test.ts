import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFixture } from './python.js';
import { simkit, tempDir, writeMatrix } from './run.js';

const dir = tempDir('import');

describe('simkit import-tfsim', () => {
  it('imports a calibrated TensorFlow Similarity save, says what it could not carry over, then matches', async () => {
    // Two records [1, 0] (label 1) and [0, 1] (label 2); the saved optimal cutpoint is at distance 0.1.
    const tfsim = join(dir, 'calibrated');
    runFixture('tfsim_save.py', 'calibrated', tfsim);
    const out = join(dir, 'imported');
    const r = await simkit(['import-tfsim', tfsim, '--out', out, '--json']);
    expect(r.stderr).toMatch(/imported 2 records/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ records: 2, embeddingSize: 2, distance: 'cosine', calibrated: true });
    expect(report.notCarried.map((n: { what: string }) => n.what).join(' | ')).toMatch(/search/i);

    // [0.99, 0.1]: 1 − 0.99/√0.9901 = 0.00504 from record 0, within 0.1 → label 1.
    // [-1, 0]: distance 1 from [0, 1] and 2 from [1, 0], beyond 0.1 → -1.
    const q = writeMatrix(join(dir, 'q.npy'), [
      [0.99, 0.1],
      [-1, 0],
    ]);
    const m = await simkit(['match', out, q, '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).cutpoints.optimal.labels).toEqual([1, -1]);
  });

  it('lists converted data in its table, and never overwrites an existing index', async () => {
    const tfsim = join(dir, 'dicts');
    runFixture('tfsim_save.py', 'dicts', tfsim);
    const out = join(dir, 'dicts-imported');
    const r = await simkit(['import-tfsim', tfsim, '--out', out, '--search', 'hnsw']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 3 records \(dimension 8, cosine\) into /);
    expect(r.stdout).toMatch(/\nno\s+.*bytes/i);
    const again = await simkit(['import-tfsim', tfsim, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a simkit save/);
  });

  it('refuses a hostile pickle without running it', async () => {
    const tfsim = join(dir, 'evil');
    const marker = join(dir, 'pwned');
    runFixture('tfsim_save.py', 'evil-data', tfsim, marker);
    const r = await simkit(['import-tfsim', tfsim, '--out', join(dir, 'evil-out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simkit import-tfsim: CORRUPT_INDEX: .*refused to load object/);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, 'evil-out'))).toBe(false);
  });
});
