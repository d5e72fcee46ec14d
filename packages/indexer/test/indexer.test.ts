import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimkitError, openSave, randomVectors } from '@simkit/core';
import { FakeSearch, expectCode, withTempDir } from '@simkit/core/testing';
import { LinearSearch } from '@simkit/search-linear';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Indexer } from '../src/index.js';

const line = (xs: number[]) => xs.map((x) => [x]);

describe('Indexer — add and lookup', () => {
  it('returns neighbours with rank, distance, label, the stored embedding and data', async () => {
    const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
    const ids = await ix.batchAdd(
      [
        [0, 0],
        [3, 4],
        [1, 0],
      ],
      [7, 8, null],
      [{ name: 'origin' }, 'far', null],
    );
    expect(Array.from(ids)).toEqual([0, 1, 2]);
    expect(ix.size()).toBe(3);
    const res = await ix.singleLookup([0, 0], 3);
    // distances from (0,0): id0 → 0, id2 → 1, id1 → √(9+16) = 5
    expect(res.map((r) => [r.id, r.rank, r.distance, r.label, r.data])).toEqual([
      [0, 1, 0, 7, { name: 'origin' }],
      [2, 2, 1, null, null],
      [1, 3, 5, 8, 'far'],
    ]);
    expect(Array.from(res[2]?.embedding ?? [])).toEqual([3, 4]);
  });

  it('keeps the embedding as given with cosine (the search normalises, the store does not)', async () => {
    const ix = new Indexer({ embeddingSize: 2 }); // cosine by default
    await ix.add([3, 4], 1);
    await ix.add([0, -2], 2);
    const [first] = await ix.singleLookup([6, 8], 1);
    // (3,4)/5 · (6,8)/10 = (18+32)/50 = 1 → cosine distance max(1 − 1, 0) = 0
    expect(first?.label).toBe(1);
    expect(first?.distance).toBeCloseTo(0, 6);
    expect(Array.from(first?.embedding ?? [])).toEqual([3, 4]);
  });

  it('returns what exists when k exceeds the size, and empty rows on an empty index', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'l1' });
    expect(await ix.batchLookup(line([1, 2]), 3)).toEqual([[], []]);
    await ix.batchAdd(line([5, 6]), [0, 1]);
    const res = await ix.batchLookup(line([0]), 10);
    expect(res[0]?.map((r) => r.distance)).toEqual([5, 6]);
  });

  it('matches a brute-force scan on random data (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        async (n, k, seed) => {
          const ix = new Indexer({ embeddingSize: 4, distance: 'euclidean' });
          const data = randomVectors(n, 4, seed);
          await ix.batchAdd({ data, rows: n, dim: 4 });
          const q = randomVectors(1, 4, seed + 1);
          const got = (await ix.singleLookup(q, k)).map((r) => r.id);
          const want = Array.from({ length: n }, (_, i) => i)
            .map((i) => {
              let s = 0;
              for (let j = 0; j < 4; j++) s += ((q[j] as number) - (data[i * 4 + j] as number)) ** 2;
              return [i, Math.fround(Math.sqrt(s))] as const;
            })
            .sort((a, b) => a[1] - b[1])
            .slice(0, k)
            .map((p) => p[0]);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reports progress while indexing', async () => {
    const events: number[] = [];
    const ix = new Indexer({ embeddingSize: 2, onProgress: (e) => events.push(e.done) });
    await ix.batchAdd(randomVectors(10_000, 2, 1), null);
    expect(events).toEqual([8192, 10_000]);
  });
});

describe('Indexer — bad input gets a typed error and changes nothing', () => {
  it('rejects wrong dimensions, non-finite values, bad labels and length mismatches', async () => {
    const ix = new Indexer({ embeddingSize: 3, distance: 'euclidean' });
    await ix.batchAdd([[1, 2, 3]], [1]);
    await expectCode(() => ix.batchAdd([[1, 2]]), 'DIMENSION_MISMATCH');
    await expectCode(() => ix.batchAdd([[1, 2, Number.NaN]]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.batchAdd([[1, 2, Number.POSITIVE_INFINITY]]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.batchAdd([[1, 2, 3]], [1.5]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.batchAdd([[1, 2, 3]], [1, 2]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.batchAdd([[1, 2, 3]], [1], ['a', 'b']), 'INVALID_ARGUMENT');
    await expectCode(() => ix.add([1, 2, 3, 4, 5, 6]), 'DIMENSION_MISMATCH');
    expect(ix.size()).toBe(1);
    for (const k of [0, -2, 2.5]) await expectCode(() => ix.singleLookup([1, 2, 3], k), 'INVALID_ARGUMENT');
    await expectCode(() => ix.singleLookup([1, 2]), 'DIMENSION_MISMATCH');
    await expectCode(() => ix.batchLookup([[1, 2, Number.NaN]]), 'INVALID_ARGUMENT');
    expect(ix.stats().numLookups).toBe(0);
  });

  it('rejects bad construction options', async () => {
    await expectCode(() => new Indexer({ embeddingSize: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new Indexer({ embeddingSize: 2, distance: 'hamming' }), 'INVALID_ARGUMENT');
    await expectCode(
      () => new Indexer({ embeddingSize: 2, distance: 'cosine', search: new LinearSearch({ distance: 'l1', dim: 2 }) }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      () => new Indexer({ embeddingSize: 2, distance: 'l2', search: new LinearSearch({ distance: 'l2', dim: 3 }) }),
      'DIMENSION_MISMATCH',
    );
  });
});

describe('Indexer — stats, reset, remove', () => {
  it('keeps lookup timings over a sliding window', async () => {
    const ix = new Indexer({ embeddingSize: 1, statBufferSize: 3, distance: 'euclidean' });
    await ix.batchAdd(line([1, 2, 3]));
    for (let i = 0; i < 4; i++) await ix.batchLookup(line([0, 1]), 1);
    const s = ix.stats();
    expect(s.size).toBe(3);
    expect(s.numLookups).toBe(8);
    const t = s.lookupTimeMs;
    expect(t.min).toBeGreaterThanOrEqual(0);
    expect(t.min).toBeLessThanOrEqual(t.median);
    expect(t.median).toBeLessThanOrEqual(t.max);
    expect(t.avg).toBeLessThanOrEqual(t.max);
  });

  it('reset clears records, search, stats and calibration', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    await ix.calibrate(line([1, 9]), [0, 1]);
    expect(ix.isCalibrated).toBe(true);
    await ix.reset();
    expect(ix.size()).toBe(0);
    expect(ix.stats().numLookups).toBe(0);
    expect(ix.isCalibrated).toBe(false);
    expect(await ix.singleLookup([0])).toEqual([]);
    expect(Array.from(await ix.batchAdd(line([4])))).toEqual([0]);
  });

  it('removes records from lookups and size; unknown ids remove nothing', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 1, 2, 3]), [0, 1, 2, 3]);
    await ix.remove([1]);
    expect(ix.size()).toBe(3);
    expect((await ix.singleLookup([1], 2)).map((r) => r.id)).toEqual([0, 2]);
    await expectCode(() => ix.remove([0, 1]), 'NOT_FOUND');
    expect(ix.size()).toBe(3);
  });
});

describe('Indexer — calibrate, match, evaluate (SEMANTICS §5)', () => {
  // Index on a line: x=0 (label 0) and x=10 (label 1), euclidean.
  // Calibration queries → nearest neighbour, distance, match?
  //   0.5 (label 0) → x=0, d=0.5, match
  //   9   (label 1) → x=10, d=1, match
  //   3   (label 1) → x=0, d=3, no match
  //   6   (label 0) → x=10, d=4, no match
  // Thresholds = [0.5, 1, 3, 4]:
  //   t=0.5: tp1 fp0 fn1 tn2 → precision 1, recall 1/2, f1 = 2·1·½/(1+½) = 2/3
  //   t=1:   tp2 fp0 fn0 tn2 → precision 1, recall 1, f1 1
  //   t=3:   tp2 fp1 fn0 tn1 → precision 2/3, recall 1, f1 = 2·⅔/(⅔+1) = 0.8
  //   t=4:   tp2 fp2 fn0 tn0 → precision 1/2, recall 1, f1 = 1/(1.5) = 2/3
  const setup = async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    return ix;
  };
  const calX = line([0.5, 9, 3, 6]);
  const calY = [0, 1, 1, 0];

  it('picks the optimal f1 cutpoint and meets targets', async () => {
    const ix = await setup();
    const res = await ix.calibrate(calX, calY, { thresholdsTargets: { recall: 0.5, high: 0.9 } });
    expect(res.cutpoints.optimal).toMatchObject({ name: 'optimal', distance: 1, value: 1, precision: 1, recall: 1 });
    // Targets bound the calibration metric (f1, increasing), as in Python; the key is only a name.
    // f1 ≥ 0.5 first at t=0.5 (f1 ⅔, recall ½); f1 ≥ 0.9 first at t=1.
    expect(res.cutpoints.recall?.distance).toBe(0.5);
    expect(res.cutpoints.recall?.value).toBeCloseTo(2 / 3, 10);
    expect(res.cutpoints.recall?.recall).toBe(0.5);
    expect(res.cutpoints.high?.distance).toBe(1);
    expect(res.thresholds.distance).toEqual([0.5, 1, 3, 4]);
    expect(res.thresholds.f1?.map((v) => Number(v.toFixed(4)))).toEqual([0.6667, 1, 0.8, 0.6667]);
    expect(ix.isCalibrated).toBe(true);
    expect(Object.keys(ix.cutpoints ?? {}).sort()).toEqual(['high', 'optimal', 'recall']);
  });

  it('matches within the cutpoint distance and rejects beyond it', async () => {
    const ix = await setup();
    await ix.calibrate(calX, calY, { thresholdsTargets: { recall: 0.5 } });
    // 0.2 → label 0 at 0.2 ≤ 1; 5.5 → label 1 at 4.5 > 1 → no match; 10.9 → label 1 at 0.9 ≤ 1
    expect(Array.from(await ix.match(line([0.2, 5.5, 10.9])))).toEqual([0, -1, 1]);
    expect(Array.from(await ix.match(line([5.5]), { noMatchLabel: 99 }))).toEqual([99]);
    const all = await ix.match(line([0.9]), { cutpoint: 'all' });
    // optimal (distance 1): 0.9 → label 0; recall cutpoint (distance 0.5): 0.9 > 0.5 → -1
    expect(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Array.from(v)]))).toEqual({
      optimal: [0],
      recall: [-1],
    });
    await expectCode(() => ix.match(line([1]), { cutpoint: 'precision' }), 'INVALID_ARGUMENT');
  });

  it('evaluates classification at every cutpoint and retrieval metrics', async () => {
    const ix = await setup();
    await ix.calibrate(calX, calY, { thresholdsTargets: { recall: 0.5 } });
    const cls = await ix.evaluateClassification(calX, calY);
    expect(cls.optimal).toEqual({ distance: 1, f1: 1, precision: 1, recall: 1 });
    expect(cls.recall?.recall).toBe(0.5);
    const { RecallAtK } = await import('@simkit/retrieval-metrics');
    // recall@1: queries 0.5 and 9 find their label first, 3 and 6 do not → 2/4
    const ret = await ix.evaluateRetrieval(calX, calY, [new RecallAtK({ k: 1 })]);
    expect(ret).toEqual({ 'recall@1': 0.5 });
  });

  it('fails with codes before calibration, on an empty index and on unlabeled entries', async () => {
    const ix = await setup();
    await expectCode(() => ix.match(line([1])), 'NOT_CALIBRATED');
    await expectCode(() => ix.evaluateClassification(line([1]), [0]), 'NOT_CALIBRATED');
    const empty = new Indexer({ embeddingSize: 1 });
    await expectCode(() => empty.calibrate(line([1]), [0]), 'EMPTY_INDEX');
    const unlabeled = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await unlabeled.batchAdd(line([0, 1]));
    const e = await expectCode(() => unlabeled.calibrate(line([1]), [0]), 'INVALID_ARGUMENT');
    expect(e.message.toLowerCase()).toContain('label');
    await expectCode(() => ix.calibrate(line([1, 2]), [0]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.calibrate(line([1]), [0.5]), 'INVALID_ARGUMENT');
    await expectCode(() => ix.calibrate(line([1]), [0], { calibrationMetric: 'accuracy' }), 'INVALID_ARGUMENT');
  });
});

describe('Indexer — save and load', () => {
  it('round-trips records, search, stats settings and calibration', async () => {
    await withTempDir(async (root) => {
      const ix = new Indexer({ embeddingSize: 4, distance: 'cosine', statBufferSize: 50 });
      const data = randomVectors(40, 4, 3);
      await ix.batchAdd(
        { data, rows: 40, dim: 4 },
        Array.from({ length: 40 }, (_, i) => i % 3),
        Array.from({ length: 40 }, (_, i) => ({ i })),
      );
      const queries = { data: randomVectors(8, 4, 4), rows: 8, dim: 4 };
      await ix.calibrate(queries, [0, 1, 2, 0, 1, 2, 0, 1], { k: 3, matcher: 'match_majority_vote' });
      const dir = join(root, 'idx');
      await ix.save(dir);
      const meta = JSON.parse(await (await openSave(dir, 'simkit-index')).readText('index_metadata.json'));
      expect(meta).toMatchObject({
        size: 40,
        distance: 'cosine',
        embedding_size: 4,
        stat_buffer_size: 50,
        is_calibrated: true,
      });
      const back = await Indexer.load(dir);
      expect(back.size()).toBe(40);
      expect(back.statBufferSize).toBe(50);
      expect(back.cutpoints).toEqual(ix.cutpoints);
      const strip = (rows: Awaited<ReturnType<Indexer['batchLookup']>>) =>
        rows.map((r) => r.map((l) => ({ ...l, embedding: Array.from(l.embedding) })));
      expect(strip(await back.batchLookup(queries, 5))).toEqual(strip(await ix.batchLookup(queries, 5)));
      expect(Array.from(await back.match(queries))).toEqual(Array.from(await ix.match(queries)));
      // Saving again over an existing index replaces it.
      await back.batchAdd([[1, 0, 0, 0]], [9]);
      await back.save(dir);
      expect((await Indexer.load(dir)).size()).toBe(41);
    });
  });

  it('fails clearly on a missing, corrupt or foreign directory', async () => {
    await withTempDir(async (root) => {
      await expectCode(() => Indexer.load(join(root, 'nope')), 'CORRUPT_INDEX');
      await mkdir(join(root, 'bad'));
      await writeFile(join(root, 'bad', 'index_metadata.json'), '{ not json');
      await expectCode(() => Indexer.load(join(root, 'bad')), 'CORRUPT_INDEX');
      await writeFile(join(root, 'bad', 'index_metadata.json'), '{"hello": 1}');
      await expectCode(() => Indexer.load(join(root, 'bad')), 'CORRUPT_INDEX');
      // A complete index whose store files are gone.
      const ix = new Indexer({ embeddingSize: 2 });
      await ix.batchAdd([[1, 2]]);
      await ix.save(join(root, 'ok'));
      const { rm } = await import('node:fs/promises');
      await rm((await openSave(join(root, 'ok'), 'simkit-index')).path('store'), { recursive: true });
      await expectCode(() => Indexer.load(join(root, 'ok')), 'CORRUPT_INDEX');
    });
  });

  it('names the missing package when the registry lacks a component', async () => {
    await withTempDir(async (root) => {
      const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean', search: new FakeSearch({ dim: 2 }) });
      await ix.batchAdd([[1, 2]]);
      await ix.save(join(root, 'x'));
      const e = await expectCode(() => Indexer.load(join(root, 'x')), 'MISSING_COMPONENT');
      expect(e.message).toContain('fake-search');
      const back = await Indexer.load(join(root, 'x'), { 'fake-search': FakeSearch });
      expect(back.size()).toBe(1);
    });
  });

  it('leaves nothing behind when saving fails', async () => {
    await withTempDir(async (root) => {
      const search = new FakeSearch({ dim: 2 });
      search.save = async () => {
        throw new SimkitError('UNSUPPORTED', 'boom');
      };
      const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean', search });
      await ix.batchAdd([[1, 2]]);
      await expectCode(() => ix.save(join(root, 'idx')), 'UNSUPPORTED');
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(root)).toEqual([]);
    });
  });
});

describe('Indexer — toDataFrame', () => {
  it('returns typed columns that Apache Arrow wraps without copying', async () => {
    const arrow = await import('apache-arrow');
    const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
    await ix.batchAdd(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [4, null, 6],
      ['a', null, { b: 1 }],
    );
    const df = await ix.toDataFrame();
    expect(df.numRows).toBe(3);
    expect(Array.from(df.columns.id)).toEqual([0, 1, 2]);
    expect(Array.from(df.columns.labelValid)).toEqual([1, 0, 1]);
    expect(Array.from(df.columns.embedding)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(df.columns.data).toEqual(['a', null, { b: 1 }]);
    const table = arrow.makeTable({ id: df.columns.id, label: df.columns.label });
    expect(table.numRows).toBe(3);
    expect(table.getChild('id')?.data[0]?.values.buffer).toBe(df.columns.id.buffer);
    expect((await ix.toDataFrame(2)).numRows).toBe(2);
    await expectCode(() => ix.toDataFrame(-1), 'INVALID_ARGUMENT');
  });
});

describe('Indexer — where save refuses to write', () => {
  it('refuses a file, a directory holding other things, and a path below a file, and leaves them as they were', async () => {
    await withTempDir(async (root) => {
      const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
      await ix.batchAdd([[1, 2]], [1]);
      const file = join(root, 'notes.txt');
      await writeFile(file, 'keep me');
      await expectCode(() => ix.save(file), 'INVALID_ARGUMENT');
      expect(await readFile(file, 'utf8')).toBe('keep me');

      const project = join(root, 'project');
      await mkdir(project);
      await writeFile(join(project, 'main.ts'), 'keep me too');
      const e = await expectCode(() => ix.save(project), 'INVALID_ARGUMENT');
      expect(e.message).toContain('main.ts');
      expect(await readFile(join(project, 'main.ts'), 'utf8')).toBe('keep me too');

      await expectCode(() => ix.save(join(file, 'below')), 'INVALID_ARGUMENT');
      const { readdir } = await import('node:fs/promises');
      // Nothing else was written next to them (no temporary directories left behind).
      expect((await readdir(root)).sort()).toEqual(['notes.txt', 'project']);
    });
  });

  it('writes into a new or an empty directory', async () => {
    await withTempDir(async (root) => {
      const ix = new Indexer({ embeddingSize: 2, distance: 'euclidean' });
      await ix.batchAdd([[1, 2]], [1]);
      const empty = join(root, 'empty');
      await mkdir(empty);
      await ix.save(empty);
      await ix.save(join(root, 'new', 'nested'));
      expect((await Indexer.load(empty)).size()).toBe(1);
      expect((await Indexer.load(join(root, 'new', 'nested'))).size()).toBe(1);
    });
  });
});
