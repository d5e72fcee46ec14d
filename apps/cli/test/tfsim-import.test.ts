import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimkitError } from '@simkit/core';
import { Indexer } from '@simkit/indexer';
import { afterAll, describe, expect, it } from 'vitest';
import { type ImportReport, importTfsim } from '../src/tfsim/import-tfsim.js';
import { parsePythonJson } from '../src/tfsim/metadata.js';
import { readTfsimSave } from '../src/tfsim/read-save.js';
import { runFixture } from './python.js';

const root = mkdtempSync(join(tmpdir(), 'simkit-tfsim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Saved {
  embeddings: number[][];
  labels: Array<number | null>;
  data?: unknown[];
  dtype?: string;
}

/** Builds the save of one case with test/fixtures/tfsim_save.py; returns its directory and description. */
let builds = 0;
function build(name: string, ...extra: string[]): { dir: string; saved: Saved } {
  const dir = join(root, `${name}-${++builds}`);
  const saved = runFixture('tfsim_save.py', name, dir, ...extra) as Saved;
  return { dir, saved };
}

async function failure(p: Promise<unknown>): Promise<SimkitError> {
  try {
    await p;
  } catch (e) {
    if (SimkitError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a SimkitError');
}

const flat = (rows: number[][]) => Float32Array.from(rows.flat());

async function records(indexer: Indexer) {
  const df = await indexer.toDataFrame();
  return {
    labels: Array.from(df.columns.label, (l, i) => (df.columns.labelValid[i] ? l : null)),
    data: df.columns.data,
    embeddings: Array.from({ length: df.numRows }, (_, i) =>
      Array.from(df.columns.embedding.subarray(i * df.embeddingSize, (i + 1) * df.embeddingSize)),
    ),
  };
}

const notCarried = (r: ImportReport) => r.notCarried.map((n) => n.what);

describe('importTfsim: what TF Similarity saves arrives in a simkit Indexer', () => {
  it('int labels, None data: records, report, progress, and lookups equal a brute-force cosine scan', async () => {
    const { dir, saved } = build('ints');
    const events: Array<{ task: string; done: number; total?: number }> = [];
    const { indexer, report } = await importTfsim(dir, { onProgress: (e) => events.push(e) });
    expect(report).toMatchObject({ records: 20, embeddingSize: 8, distance: 'cosine', calibrated: false });
    expect(report.carried[0]).toMatch(
      /^20 records from store\/index\.npz: embeddings \(float32\), labels \(20 set, 0 None → null\)/,
    );
    expect(notCarried(report)).toEqual([
      'search structure (LinearSearch: distance="cosine", dim=8, name="linear", verbose=0)',
      'store configuration (MemoryStore: name="memory", verbose=0)',
      'compression flag (true)',
    ]);
    expect(report.notCarried[0]?.why).toMatch(/built again from the embeddings/);
    expect(events.at(-1)).toEqual({ task: 'import', done: 20, total: 20 });
    expect(indexer.size()).toBe(20);
    const r = await records(indexer);
    expect(r.labels).toEqual(saved.labels);
    expect(r.data).toEqual(new Array(20).fill(null));
    expect(r.embeddings).toEqual(saved.embeddings);

    // Queries: each stored vector nudged; expected order from cosine distances computed here.
    const queries = saved.embeddings.slice(0, 5).map((e, q) => e.map((x, j) => x + 0.3 * Math.sin(q * 7 + j)));
    const got = await indexer.batchLookup(flat(queries), 5);
    queries.forEach((q, qi) => {
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      const qf = Array.from(Float32Array.from(q));
      const dist = saved.embeddings.map((e, id) => ({
        id,
        d: 1 - e.reduce((s, x, j) => s + x * (qf[j] as number), 0) / (norm(e) * norm(qf)),
      }));
      dist.sort((a, b) => a.d - b.d);
      const row = got[qi] ?? [];
      expect(row.map((x) => x.id)).toEqual(dist.slice(0, 5).map((x) => x.id));
      row.forEach((x, k) => {
        expect(x.distance).toBeCloseTo(dist[k]?.d as number, 5);
        expect(x.label).toBe(saved.labels[x.id]);
        expect(x.rank).toBe(k + 1);
      });
    });
  });

  it('labels with None (an object array) become null', async () => {
    const { dir, saved } = build('none-labels');
    expect(saved.dtype).toBe('object');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).labels).toEqual([1, null, 2, null, 3]);
    expect(report.carried[0]).toMatch(/labels \(3 set, 2 None → null\)/);
  });

  it('string data (a <U array)', async () => {
    const { dir, saved } = build('strings');
    expect(saved.dtype).toMatch(/^<U/);
    const { indexer } = await importTfsim(dir);
    expect((await records(indexer)).data).toEqual(['a', 'bé', 'chat ☃', '']);
    const [hit] = await indexer.singleLookup(Float32Array.from(saved.embeddings[1] as number[]), 1);
    expect(hit?.data).toBe('bé');
  });

  it('image data (an (n, 4, 4) float32 array) become nested number lists, and the report says so', async () => {
    const { dir, saved } = build('images');
    expect(saved.dtype).toBe('float32');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).data).toEqual(saved.data);
    expect(report.notCarried).toContainEqual({
      what: '3 data that were NumPy arrays',
      why: 'converted to nested lists of numbers (JSON)',
    });
  });

  it('dict data (pickled object array): JSON values, and every change counted', async () => {
    const { dir, saved } = build('dicts');
    expect(saved.dtype).toBe('object');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).data).toEqual([
      { name: 'x', score: 0.5, tags: ['a', ['b', 2]], arr: [0, 1, 2], n: 7 },
      { raw: null, '1': 'int key', nan: null, big: '1180591620717411303424', flag: true },
      null,
    ]);
    expect(notCarried(report)).toEqual(
      expect.arrayContaining([
        '1 data that were NumPy arrays',
        '1 bytes values in data',
        '1 NaN or Infinity floats in data',
        '1 integers beyond ±2^53 in data',
        '1 dict keys that were not strings in data',
      ]),
    );
  });

  it('an uncompressed np.savez archive', async () => {
    const { dir, saved } = build('uncompressed');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).embeddings).toEqual(saved.embeddings);
    expect(notCarried(report)).toContain('compression flag (false)');
  });

  it('the layout of TF Similarity up to 0.17: index.npz next to the metadata, kv_store and a flat search config', async () => {
    const { dir, saved } = build('old-layout');
    const save = await readTfsimSave(dir);
    expect(save.layout).toBe('top-level');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).labels).toEqual(saved.labels);
    expect(report.carried[0]).toMatch(/from index\.npz \(layout of TensorFlow Similarity up to 0\.17\)/);
    expect(notCarried(report)[0]).toMatch(/^search structure \(NMSLibSearch: .*method="hnsw"/);
  });

  it('float64 embeddings are narrowed to float32', async () => {
    const { dir, saved } = build('float64');
    const { indexer, report } = await importTfsim(dir);
    expect((await records(indexer)).embeddings).toEqual(saved.embeddings);
    expect(report.carried[0]).toMatch(/embeddings \(float64, narrowed to float32\)/);
  });

  it('a calibrated index: match gives the labels of Python’s rule (nearest label if distance ≤ cutpoint)', async () => {
    const { dir } = build('calibrated');
    const { indexer, report } = await importTfsim(dir);
    expect(report.calibrated).toBe(true);
    expect(report.carried).toContain(
      "calibration: metric 'f1' (f1_score), cutpoints optimal, 0.5, thresholds table of 2 rows",
    );
    expect(indexer.cutpoints?.optimal?.distance).toBe(0.1);
    // Index: [1,0] label 1, [0,1] label 2; cosine distance d(q, e) = 1 − q·e / (|q||e|).
    // q1 = [1, 0.1]: to [1,0] 1 − 1/√1.01 = 0.00496 → ≤ 0.1 → 1
    // q2 = [1, 0.8]: to [1,0] 1 − 1/√1.64 = 0.21913 (to [0,1] 0.37531) → > 0.1 → −1; ≤ 0.5 → 1
    // q3 = [0.2, 1]: to [0,1] 1 − 1/√1.04 = 0.01942 → 2
    // q4 = [-1, 0]: to [0,1] 1 − 0 = 1 (to [1,0] 2) → > 0.5 → −1 for both cutpoints
    const q = Float32Array.from([1, 0.1, 1, 0.8, 0.2, 1, -1, 0]);
    expect(Array.from(await indexer.match(q))).toEqual([1, -1, 2, -1]);
    expect(Array.from(await indexer.match(q, { cutpoint: '0.5' }))).toEqual([1, 1, 2, -1]);
  });

  it('metadata as Python json.dumps writes NaN: parsed, and a calibration holding NaN is reported, not restored', async () => {
    expect(parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN \\" Infinity"}')).toEqual({
      a: Number.NaN,
      b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      c: 'NaN " Infinity',
    });
    const { dir } = build('calibrated');
    const file = join(dir, 'index_metadata.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"recall": 0.8', '"recall": NaN'));
    const { indexer, report } = await importTfsim(dir);
    expect(report.calibrated).toBe(false);
    expect(indexer.isCalibrated).toBe(false);
    expect(report.notCarried).toContainEqual(
      expect.objectContaining({ what: 'calibration', why: expect.stringMatching(/NaN/) }),
    );
  });

  it('makeIndexer receives the spec; an index that does not fit it is refused', async () => {
    const { dir } = build('uncompressed');
    const specs: unknown[] = [];
    const { indexer } = await importTfsim(dir, {
      makeIndexer: (spec) => {
        specs.push(spec);
        return new Indexer({ ...spec, statBufferSize: 7 });
      },
    });
    expect(specs).toEqual([{ distance: 'cosine', embeddingSize: 8, statBufferSize: 1000, embeddingOutput: null }]);
    expect(indexer.statBufferSize).toBe(7);
    const e = await failure(
      importTfsim(dir, { makeIndexer: () => new Indexer({ embeddingSize: 8, distance: 'euclidean' }) }),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/distance 'euclidean' instead of 'cosine'/);
  });
});

describe('importTfsim refuses saves it cannot read, with a clear code', () => {
  it('hostile pickled data: CORRUPT_INDEX, nothing executed', async () => {
    const marker = join(root, 'pwned');
    const { dir } = build('evil-data', marker);
    const e = await failure(importTfsim(dir));
    expect(e.code).toBe('CORRUPT_INDEX');
    expect(e.message).toMatch(/data\.npy in .*index\.npz cannot be read: refused to load object '(posix|os)\.system'/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a Redis store: UNSUPPORTED, saying where the records are', async () => {
    const { dir } = build('redis');
    const e = await failure(importTfsim(dir));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toMatch(/Redis server \(localhost:6379, db 0\).*Only MemoryStore saves/);
  });

  it('label count ≠ size: CORRUPT_INDEX', async () => {
    const { dir } = build('size-mismatch');
    const e = await failure(importTfsim(dir));
    expect(e.code).toBe('CORRUPT_INDEX');
    expect(e.message).toMatch(/labels of shape \(4\) for 5 records/);
  });

  it('embedding_size ≠ the embeddings: CORRUPT_INDEX', async () => {
    const { dir } = build('dim-mismatch');
    const e = await failure(importTfsim(dir));
    expect(e.code).toBe('CORRUPT_INDEX');
    expect(e.message).toMatch(/shape \(5, 8\) but the metadata says 5 records of embedding_size 9/);
  });

  it('an embeddings header claiming more rows than its bytes: CORRUPT_INDEX', async () => {
    const { dir } = build('shape-lie');
    const e = await failure(importTfsim(dir));
    expect(e.code).toBe('CORRUPT_INDEX');
    expect(e.message).toMatch(/embeddings\.npy in .*index\.npz is not a valid \.npy file: shape \(100000000, 8\)/);
  });

  it('no index_metadata.json: NOT_FOUND; a saved model directory gets a hint', async () => {
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'index'), { recursive: true });
    let e = await failure(importTfsim(empty));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/No index_metadata\.json in/);
    expect(e.message).not.toMatch(/saved SimilarityModel/);
    const { dir } = build('ints');
    const model = join(root, 'model');
    mkdirSync(model);
    renameSync(dir, join(model, 'index'));
    e = await failure(importTfsim(model));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/saved SimilarityModel: pass '.*model\/index' instead/);
    expect((await importTfsim(join(model, 'index'))).report.records).toBe(20);
    e = await failure(importTfsim(join(root, 'does-not-exist')));
    expect(e.code).toBe('NOT_FOUND');
  });
});
