import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/main.js';
import { runPython } from './python.js';
import { simkit, tempDir, writeLabels, writeMatrix } from './run.js';

// The index used throughout (2-d, cosine), with the distances a reader can check:
//   id 0 [1, 0] label 1 · id 1 [0, 1] label 2 · id 2 [1, 1] label 1 · id 3 [-1, 0] label 3
// Query [1, 0]: d(0) = 0, d(2) = 1 − 1/√2 = 0.292893, d(1) = 1, d(3) = 2.
const VECTORS = [
  [1, 0],
  [0, 1],
  [1, 1],
  [-1, 0],
];
const LABELS = [1, 2, 1, 3];
const D2 = 1 - 1 / Math.SQRT2;

const dir = tempDir('e2e');
const vectors = writeMatrix(join(dir, 'vectors.npy'), VECTORS);
const labels = writeLabels(join(dir, 'labels.npy'), LABELS);

async function freshIndex(name: string, ...extra: string[]): Promise<string> {
  const out = join(dir, name);
  const r = await simkit(['index', vectors, '--labels', labels, '--out', out, '--quiet', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

describe('help and usage', () => {
  it('lists every command, and each command has its own --help', async () => {
    const top = await simkit(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['index', 'lookup', 'match', 'calibrate', 'evaluate', 'info', 'serve', 'import-tfsim']) {
      expect(top.stdout).toContain(`  ${c} `);
      const help = await simkit([c, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: simkit ${c} `);
      expect(help.stdout).toContain('--quiet');
    }
  });

  it('exits 2 with one line for wrong usage: no command, unknown command, unknown option, missing arguments', async () => {
    expect((await simkit([])).code).toBe(2);
    const unknown = await simkit(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const option = await simkit(['lookup', 'a', 'b', '--kk', '3']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^simkit lookup: Unknown option '--kk'/);
    expect(option.stderr).toContain("Run 'simkit lookup --help'");
    const missing = await simkit(['lookup', 'only-one']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/takes 2 arguments/);
    const noOut = await simkit(['index', vectors]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/needs --out DIR/);
    const badK = await simkit(['lookup', 'a', 'b', '-k', '0']);
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/-k|--k 0: expected an integer from 1/);
  });

  it('prints the version', async () => {
    const r = await simkit(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('index, info and lookup', () => {
  it('indexes a .npy with labels and finds the neighbours a reader can compute', async () => {
    const out = await freshIndex('basic');
    const info = await simkit(['info', out, '--json']);
    expect(info.code).toBe(0);
    const summary = JSON.parse(info.stdout);
    expect(summary).toMatchObject({
      size: 4,
      embedding_size: 2,
      distance: 'cosine',
      labelled: 4,
      classes: 3,
      calibrated: false,
    });
    expect(summary.label_counts).toEqual({ 1: 2, 2: 1, 3: 1 });

    const queries = writeMatrix(join(dir, 'q.npy'), [[1, 0]]);
    const r = await simkit(['lookup', out, queries, '-k', '3', '--json']);
    expect(r.code).toBe(0);
    const { lookups } = JSON.parse(r.stdout);
    expect(lookups[0].map((l: { id: number }) => l.id)).toEqual([0, 2, 1]);
    expect(lookups[0][0].distance).toBeCloseTo(0, 6);
    expect(lookups[0][1].distance).toBeCloseTo(D2, 6);
    expect(lookups[0][2].distance).toBeCloseTo(1, 6);
    expect(lookups[0].map((l: { label: number }) => l.label)).toEqual([1, 1, 2]);
  });

  it('reads CSV (header, label column), TSV, JSON lines and stdin, and writes CSV and tables', async () => {
    const csv = join(dir, 'v.csv');
    writeFileSync(
      csv,
      `x,y,label,data\n${VECTORS.map((v, i) => `${v[0]},${v[1]},${LABELS[i]},"item ${i}, ok"`).join('\n')}\n`,
    );
    const out = join(dir, 'from-csv');
    const made = await simkit(['index', csv, '--out', out, '--format', 'csv']);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^name,value\nout,/);
    expect(made.stdout).toContain('\nadded,4\n');

    const tsv = join(dir, 'q.tsv');
    writeFileSync(tsv, '0\t2\n');
    const r = await simkit(['lookup', out, tsv, '-k', '4', '--format', 'csv']);
    expect(r.code).toBe(0);
    // Query [0, 2]: d(1) = 0, d(2) = 0.292893, then d(0) = d(3) = 1, a tie kept in insertion order.
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('query,rank,id,distance,label,data');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['1', '2', '0', '3']);
    expect(lines[1]).toContain('"item 1, ok"');

    const jsonl = VECTORS.map((v, i) => JSON.stringify({ embedding: v, label: LABELS[i], data: { n: i } })).join('\n');
    const fromStdin = join(dir, 'from-stdin');
    const piped = await simkit(['index', '-', '--out', fromStdin, '--quiet'], { input: jsonl });
    expect(piped.code).toBe(0);
    const table = await simkit(['lookup', fromStdin, '-', '-k', '1'], { input: '[[-1, 0.1]]' });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^query\s+rank\s+id\s+distance\s+label\s+data$/);
    expect(table.stdout).toMatch(/\n\s*0\s+1\s+3\s+[0-9.e-]+\s+3\s+\{"n":3\}\n/);
  });

  it('builds HNSW and level-store indexes from flags and reloads them', async () => {
    const out = await freshIndex('hnsw', '--search', 'hnsw', '--m', '8', '--store', 'level');
    const info = JSON.parse((await simkit(['info', out, '--json'])).stdout);
    expect(info.search.type).toBe('hnsw-search');
    expect(info.store.type).toBe('level-store');
    const queries = writeMatrix(join(dir, 'q-hnsw.npy'), [[1, 0]]);
    const { lookups } = JSON.parse((await simkit(['lookup', out, queries, '-k', '2', '--json'])).stdout);
    expect(lookups[0].map((l: { id: number }) => l.id)).toEqual([0, 2]);
  });

  it('refuses to overwrite a saved index without --append, and --append adds to it', async () => {
    const out = await freshIndex('append');
    const before = readFileSync(join(out, 'simkit-save.json'), 'utf8');
    const again = await simkit(['index', vectors, '--labels', labels, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/INVALID_ARGUMENT: .*already holds a simkit save; pass --append/);
    expect(readFileSync(join(out, 'simkit-save.json'), 'utf8')).toBe(before);
    const added = await simkit(['index', vectors, '--labels', labels, '--out', out, '--append', '--json']);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ added: 4, size: 8, previous: 4, first_id: 4, last_id: 7 });
  });
});

describe('calibrate, match and evaluate', () => {
  // Calibration queries, nearest record and cosine distance:
  //   [1, 0.1] (1) → id 0, 1 − 1/√1.01 = 0.004963 ✓   [0.1, 1] (2) → id 1, 0.004963 ✓
  //   [-1, 0.2] (3) → id 3, 1 − 1/√1.04 = 0.019419 ✓  [-0.2, -1] (4, unseen) → id 3, 1 − 0.2/√1.04 = 0.803884 ✗
  // F1 is best when the first three are accepted and the fourth rejected: a cutpoint in [0.019419, 0.803884).
  const CALIBRATION = [
    [1, 0.1],
    [0.1, 1],
    [-1, 0.2],
    [-0.2, -1],
  ];

  it('calibrates, saves the cutpoints with the index, then matches or rejects', async () => {
    const out = await freshIndex('calibrated');
    const q = writeMatrix(join(dir, 'calib.npy'), CALIBRATION);
    const ql = writeLabels(join(dir, 'calib-labels.npy'), [1, 2, 3, 4]);
    const cal = await simkit(['calibrate', out, q, '--labels', ql, '--json']);
    expect(cal.code).toBe(0);
    const { cutpoints } = JSON.parse(cal.stdout);
    expect(cutpoints.optimal.distance).toBeGreaterThanOrEqual(0.019419 - 1e-6);
    expect(cutpoints.optimal.distance).toBeLessThan(0.803884);
    expect(cutpoints.optimal.f1).toBeCloseTo(1, 6); // 3 true positives, 0 false positives, 0 false negatives among the accepted
    expect(JSON.parse((await simkit(['info', out, '--json'])).stdout).calibrated).toBe(true);

    const newQueries = writeMatrix(join(dir, 'new.npy'), [
      [1, 0.1],
      [-0.2, -1],
    ]);
    const m = await simkit(['match', out, newQueries, '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).cutpoints.optimal.labels).toEqual([1, -1]);
  });

  it('evaluates retrieval metrics against hand arithmetic', async () => {
    const out = await freshIndex('evaluated');
    // Queries 1–3 above with their labels. Second neighbours: [1, 0.1] → id 2 (label 1),
    // [0.1, 1] → id 2 (label 1), [-1, 0.2] → id 1 (label 2, d 0.804 < d(id 2) 1.555 < d(id 0) 1.98).
    // recall@1 = 1; precision@2 = mean(2/2, 1/2, 1/2) = 2/3.
    const q = writeMatrix(join(dir, 'eval.npy'), CALIBRATION.slice(0, 3));
    const ql = writeLabels(join(dir, 'eval-labels.npy'), [1, 2, 3]);
    const r = await simkit(['evaluate', out, q, '--labels', ql, '-r', 'recall@1,precision@2', '--json']);
    expect(r.code).toBe(0);
    const { retrieval, classification } = JSON.parse(r.stdout);
    expect(retrieval['recall@1']).toBeCloseTo(1, 6);
    expect(retrieval['precision@2']).toBeCloseTo(2 / 3, 6);
    expect(classification).toBeNull();
  });

  it('says what is missing: match before calibrate, evaluate without labels', async () => {
    const out = await freshIndex('uncalibrated');
    const q = writeMatrix(join(dir, 'one.npy'), [[1, 0]]);
    const m = await simkit(['match', out, q]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/^simkit match: NOT_CALIBRATED: .*run 'simkit calibrate/);
    const e = await simkit(['evaluate', out, q]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/INVALID_ARGUMENT: evaluate needs the label of every query: pass --labels FILE/);
  });
});

describe('errors are one clear line', () => {
  it('wrong dimension, missing file, bad CSV cell, not an index: exit 1, no stack unless --verbose', async () => {
    const out = await freshIndex('errors');
    const wide = writeMatrix(join(dir, 'wide.npy'), [[1, 2, 3]]);
    const dim = await simkit(['lookup', out, wide]);
    expect(dim.code).toBe(1);
    expect(dim.stderr).toMatch(/^simkit lookup: DIMENSION_MISMATCH: .*3 values .*dimension 2/);
    expect(dim.stderr.trim().split('\n')).toHaveLength(1);
    const verbose = await simkit(['lookup', out, wide, '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);

    const missing = await simkit(['lookup', out, join(dir, 'nope.npy')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOT_FOUND: .*nope\.npy: no such file/);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1,2\n3,abc\n');
    const cell = await simkit(['lookup', out, bad]);
    expect(cell.code).toBe(1);
    expect(cell.stderr).toMatch(/bad\.csv, line 2: column 2 holds "abc", not a finite number/);

    const notIndex = await simkit(['info', dir]);
    expect(notIndex.code).toBe(1);
    expect(notIndex.stderr).toMatch(/NOT_FOUND: .*holds no simkit index/);

    const nan = writeMatrix(join(dir, 'nan.npy'), [[1, Number.NaN]]);
    const notFinite = await simkit(['lookup', out, nan]);
    expect(notFinite.code).toBe(1);
    expect(notFinite.stderr).toMatch(/^simkit lookup: INVALID_ARGUMENT: .*(NaN|finite)/);
  });

  it('a failed add leaves the saved index as it was', async () => {
    const out = await freshIndex('unchanged');
    const before = statSync(join(out, 'simkit-save.json')).mtimeMs;
    const badLabels = join(dir, 'bad-labels.txt');
    writeFileSync(badLabels, '1\n2\n');
    const r = await simkit(['index', vectors, '--labels', badLabels, '--out', out, '--append']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_ARGUMENT: Got 2 labels for 4 embeddings/);
    expect(statSync(join(out, 'simkit-save.json')).mtimeMs).toBe(before);
    expect(JSON.parse((await simkit(['info', out, '--json'])).stdout).size).toBe(4);
  });
});

describe('progress', () => {
  it('draws progress bars on a terminal stderr only, and never with --quiet', async () => {
    const out = join(dir, 'tty');
    const rows = Array.from({ length: 20000 }, (_, i) => [Math.cos(i), Math.sin(i)]);
    const big = writeMatrix(join(dir, 'big.npy'), rows);
    const run = async (isTTY: boolean, ...extra: string[]) => {
      let stderr = '';
      let stdout = '';
      const code = await runCli(['index', big, '--out', `${out}-${isTTY}-${extra.length}`, ...extra], {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { isTTY, write: (t: string) => (stderr += t) },
        stdin: new PassThrough(),
        env: {},
      });
      return { code, stderr, stdout };
    };
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/index .*\[[=#>\- ]*\]/);
    const piped = await run(false);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/\[[=#>\- ]{5,}\]/);
    expect(piped.stderr).toMatch(/indexed 20000 records/);
    const quiet = await run(true, '--quiet');
    expect(quiet.stderr).toBe('');
    expect(existsSync(`${out}-true-1`)).toBe(true);
  });
});

describe('NumPy archives', () => {
  it('indexes the embeddings, labels and data of an .npz written by NumPy, and reads one array by name', async () => {
    const npz = join(dir, 'set.npz');
    // Rows [1, 0], [0, 1], [1, 1] with labels 4, 5, 4 and string data, as np.savez_compressed writes them.
    runPython(
      `import sys, numpy as np
np.savez_compressed(sys.argv[1], embeddings=np.array([[1, 0], [0, 1], [1, 1]], np.float32), labels=np.array([4, 5, 4]), data=np.array(["a", "b", "c"]))
print("{}")`,
      npz,
    );
    const out = join(dir, 'from-npz');
    const made = await simkit(['index', npz, '--out', out, '--json']);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ added: 3, embedding_size: 2 });
    const r = await simkit(['lookup', out, `${npz}:embeddings`, '-k', '1', '--json']);
    expect(r.code).toBe(0);
    // Each row is its own nearest record (distance 0), with its label and data.
    const rows = JSON.parse(r.stdout).lookups.map((l: Array<{ id: number; label: number; data: string }>) => l[0]);
    expect(rows.map((l: { id: number }) => l.id)).toEqual([0, 1, 2]);
    expect(rows.map((l: { label: number }) => l.label)).toEqual([4, 5, 4]);
    expect(rows.map((l: { data: string }) => l.data)).toEqual(['a', 'b', 'c']);
    const missing = await simkit(['lookup', out, `${npz}:nothing`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/holds no array "nothing".*arrays: embeddings, labels, data/);
  });
});
