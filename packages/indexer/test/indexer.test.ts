import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SimkitError, openSave, randomVectors } from '@simkit/core';
import { FakeSearch, expectCode, withTempDir } from '@simkit/core/testing';
import { LinearSearch } from '@simkit/search-linear';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalibrationResult } from '@simkit/evaluators';
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

  it('picks the optimal f1_score cutpoint and meets targets', async () => {
    const ix = await setup();
    const res = await ix.calibrate(calX, calY, { thresholdsTargets: { recall: 0.5, high: 0.9 } });
    expect(res.cutpoints.optimal).toMatchObject({ name: 'optimal', distance: 1, value: 1, precision: 1, recall: 1 });
    // Targets bound the calibration metric (F1, increasing), as in Python; the key is only a name.
    // f1 ≥ 0.5 first at t=0.5 (f1 ⅔, recall ½); f1 ≥ 0.9 first at t=1.
    expect(res.cutpoints.recall?.distance).toBe(0.5);
    expect(res.cutpoints.recall?.value).toBeCloseTo(2 / 3, 10);
    expect(res.cutpoints.recall?.recall).toBe(0.5);
    expect(res.cutpoints.high?.distance).toBe(1);
    expect(res.thresholds.distance).toEqual([0.5, 1, 3, 4]);
    expect(res.thresholds.f1_score?.map((v) => Number(v.toFixed(4)))).toEqual([0.6667, 1, 0.8, 0.6667]);
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
    expect(cls.optimal).toEqual({ distance: 1, f1_score: 1, precision: 1, recall: 1 });
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

describe('Indexer — the calibration metric key (SEMANTICS §6)', () => {
  // Index on a line: x=0 (label 0) and x=10 (label 1), euclidean.
  // Query, nearest neighbour, distance, match?
  //   1    (label 0) → x=0,  d=1,   match
  //   8    (label 1) → x=10, d=2,   match
  //   3    (label 1) → x=0,  d=3,   no match
  //   6.5  (label 0) → x=10, d=3.5, no match
  //   14.5 (label 1) → x=10, d=4.5, match
  // 3 matching and 2 non-matching queries; F1 = 2pr/(p+r):
  //   t=1:   tp1 fp0 fn2 → p 1,   r 1/3 → F1 = (2/3)/(4/3)  = 1/2
  //   t=2:   tp2 fp0 fn1 → p 1,   r 2/3 → F1 = (4/3)/(5/3)  = 4/5
  //   t=3:   tp2 fp1 fn1 → p 2/3, r 2/3 → F1 = 2/3
  //   t=3.5: tp2 fp2 fn1 → p 1/2, r 2/3 → F1 = (2/3)/(7/6)  = 4/7
  //   t=4.5: tp3 fp2 fn0 → p 3/5, r 1   → F1 = (6/5)/(8/5)  = 3/4
  // The maximum 4/5 is at t=2.
  const setup = async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    return ix;
  };
  const calX = line([1, 8, 3, 6.5, 14.5]);
  const calY = [0, 1, 1, 0, 1];
  const f1Curve = [1 / 2, 4 / 5, 2 / 3, 4 / 7, 3 / 4];

  it('defaults to the metric named f1_score, so cutpoints and thresholds carry the key f1_score', async () => {
    const ix = await setup();
    const res = await ix.calibrate(calX, calY, { thresholdsTargets: { half: 0.45 } });
    const optimal = res.cutpoints.optimal;
    expect(optimal?.distance).toBe(2);
    expect(optimal?.f1_score).toBeCloseTo(4 / 5, 12);
    expect(optimal?.value).toBeCloseTo(4 / 5, 12);
    expect(optimal?.precision).toBe(1);
    expect(optimal?.recall).toBeCloseTo(2 / 3, 12);
    expect(optimal).not.toHaveProperty('f1');
    // F1 ≥ 0.45 first at t=1 (F1 is increasing, so the first index).
    expect(res.cutpoints.half?.distance).toBe(1);
    expect(res.cutpoints.half?.f1_score).toBeCloseTo(1 / 2, 12);
    expect(res.thresholds.distance).toEqual([1, 2, 3, 3.5, 4.5]);
    expect(res.thresholds.f1_score).toHaveLength(5);
    for (const [i, v] of (res.thresholds.f1_score ?? []).entries()) expect(v).toBeCloseTo(f1Curve[i] as number, 12);
    expect(res.thresholds.value).toEqual(res.thresholds.f1_score);
    expect(Object.keys(res.thresholds).sort()).toEqual(['distance', 'f1_score', 'precision', 'recall', 'value']);
    expect(ix.cutpoints?.optimal?.f1_score).toBeCloseTo(4 / 5, 12);
    // evaluateClassification reports the calibration metric under the same key.
    const cls = await ix.evaluateClassification(calX, calY);
    expect(Object.keys(cls.optimal ?? {}).sort()).toEqual(['distance', 'f1_score', 'precision', 'recall']);
    expect(cls.optimal?.f1_score).toBeCloseTo(4 / 5, 12);
    // match after calibrate: 0.5 → label 0 at 0.5 ≤ 2; 11.5 → label 1 at 1.5 ≤ 2; 4 → x=0 at 4 > 2 → -1.
    expect(Array.from(await ix.match(line([0.5, 11.5, 4])))).toEqual([0, 1, -1]);
  });

  it('keeps the key f1 when f1 is asked for explicitly, with the same values', async () => {
    const ix = await setup();
    const res = await ix.calibrate(calX, calY, { calibrationMetric: 'f1' });
    expect(res.cutpoints.optimal?.distance).toBe(2);
    expect(res.cutpoints.optimal?.f1).toBeCloseTo(4 / 5, 12);
    expect(res.cutpoints.optimal).not.toHaveProperty('f1_score');
    expect(Object.keys(res.thresholds).sort()).toEqual(['distance', 'f1', 'precision', 'recall', 'value']);
    const cls = await ix.evaluateClassification(calX, calY);
    expect(cls.optimal?.f1).toBeCloseTo(4 / 5, 12);
    // Any spelling is kept in lower case as the key.
    const other = await setup();
    const renamed = await other.calibrate(calX, calY, { calibrationMetric: 'F1Score' });
    expect(renamed.cutpoints.optimal?.f1score).toBeCloseTo(4 / 5, 12);
  });

  it('saves and loads the f1_score key, and still loads and matches a save whose key is f1', async () => {
    await withTempDir(async (root) => {
      const probes = line([0.5, 11.5, 4]);
      for (const [metric, key] of [
        [undefined, 'f1_score'],
        // What the Indexer wrote when its default was `f1`: name `f1`, canonical name `f1_score`.
        ['f1', 'f1'],
      ] as const) {
        const ix = await setup();
        await ix.calibrate(calX, calY, metric === undefined ? {} : { calibrationMetric: metric });
        const dir = join(root, key);
        await ix.save(dir);
        const meta = JSON.parse(await (await openSave(dir, 'simkit-index')).readText('index_metadata.json'));
        expect(meta.calibration_metric_config.config).toMatchObject({ name: key, canonical_name: 'f1_score' });
        expect(meta.cutpoints.optimal[key]).toBeCloseTo(4 / 5, 12);
        const back = await Indexer.load(dir);
        expect(back.cutpoints).toEqual(ix.cutpoints);
        expect(back.cutpoints?.optimal?.[key]).toBeCloseTo(4 / 5, 12);
        expect(Array.from(await back.match(probes))).toEqual([0, 1, -1]);
        const cls = await back.evaluateClassification(calX, calY);
        expect(cls.optimal?.[key]).toBeCloseTo(4 / 5, 12);
        expect(Object.keys(cls.optimal ?? {}).sort()).toEqual(['distance', key, 'precision', 'recall'].sort());
      }
    });
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

describe('Indexer — restoreCalibration', () => {
  it('matches with a calibration computed elsewhere, and save/load keeps it', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    // Cutpoint at distance 2: a query at 1 is 1 from record 0 (label 0, accepted); a query at 5
    // is 5 from both records, beyond 2, so it matches nothing (-1).
    const result = {
      cutpoints: { optimal: { name: 'optimal', distance: 2, value: 0.9, precision: 1, recall: 0.8 } },
      thresholds: { distance: [1, 2, 3], value: [0.5, 0.9, 0.7] },
    };
    await ix.restoreCalibration(result as unknown as CalibrationResult, 'f1');
    result.cutpoints.optimal.distance = 100; // the index keeps its own copy
    expect(ix.isCalibrated).toBe(true);
    expect(ix.calibrationMetric).toBe('f1');
    expect(Array.from(await ix.match(line([1, 5])))).toEqual([0, -1]);
    await withTempDir(async (dir) => {
      await ix.save(dir);
      const again = await Indexer.load(dir);
      expect(again.cutpoints?.optimal?.distance).toBe(2);
      expect(again.calibrationMetric).toBe('f1');
      expect(Array.from(await again.match(line([1, 5])))).toEqual([0, -1]);
    });
  });

  it('refuses malformed results and unknown metrics, keeping the current calibration', async () => {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean' });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    expect(ix.calibrationMetric).toBeUndefined();
    const good = {
      cutpoints: { optimal: { name: 'optimal', distance: 2 } },
      thresholds: { distance: [2] },
    } as unknown as CalibrationResult;
    await ix.restoreCalibration(good);
    const bad: unknown[] = [
      null,
      { cutpoints: {}, thresholds: { distance: [] } },
      { cutpoints: { optimal: { name: 'optimal', distance: 'near' } }, thresholds: { distance: [] } },
      { cutpoints: { optimal: { distance: 1 } }, thresholds: { distance: [] } },
      { cutpoints: good.cutpoints, thresholds: { distance: [1, 2], value: [1] } },
    ];
    for (const b of bad) {
      await expectCode(() => ix.restoreCalibration(b as CalibrationResult), 'INVALID_ARGUMENT');
    }
    await expectCode(() => ix.restoreCalibration(good, 'no_such_metric'), 'INVALID_ARGUMENT');
    expect(ix.cutpoints?.optimal?.distance).toBe(2);
    expect(ix.calibrationMetric).toBe('f1_score');
  });
});
