import { join } from 'node:path';
import type { EmbeddingBatch, LogLevel, Logger, LookupOptions, Neighbors } from '@simkit/core';
import { FakeSearch, expectCode, withTempDir } from '@simkit/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Indexer } from '../src/index.js';

const line = (xs: number[]) => xs.map((x) => [x]);

/** Exact euclidean search that, like an approximate one can, returns one neighbour only for odd queries. */
class ShortOddRows extends FakeSearch {
  override async lookup(queries: EmbeddingBatch, k: number, options?: LookupOptions): Promise<Neighbors[]> {
    const rows = await super.lookup(queries, k, options);
    return rows.map((r, i) => (i % 2 === 1 ? { ids: r.ids.slice(0, 1), distances: r.distances.slice(0, 1) } : r));
  }
}

interface Call {
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): Logger & { calls: Call[]; warnings: () => Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    warnings: () => calls.filter((c) => c.level === 'warn'),
    log: (level, message, fields) => calls.push({ level, message, ...(fields && { fields }) }),
  };
}

// Index on a line: x=0, 1, 10 with labels 0, 0, 1.
async function indexWith(search: FakeSearch, logger?: Logger): Promise<Indexer> {
  const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean', search, ...(logger && { logger }) });
  await ix.batchAdd(line([0, 1, 10]), [0, 0, 1]);
  return ix;
}

describe('Indexer — padded lookup rows are reported through the logger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('warns once per lookup batch with the number of short rows', async () => {
    const logger = recordingLogger();
    const ix = await indexWith(new ShortOddRows({ dim: 1 }), logger);
    // Queries 0.2, 9, 0.6, 8 with k = 2: rows 1 and 3 come back with one neighbour → 2 short rows.
    const res = await ix.calibrate(line([0.2, 9, 0.6, 8]), [0, 1, 0, 1], { k: 2 });
    expect(res.cutpoints.optimal).toBeDefined();
    expect(logger.warnings()).toHaveLength(1);
    const [warning] = logger.warnings();
    expect(warning?.message).toMatch(/^2 lookup sets are shorter than the max lookup set length \(2\)\./);
    expect(warning?.fields).toEqual({ shortLookupSets: 2, maxLookupSetLength: 2, k: 2 });
    // match pads the same way and says so again, for its own batch: 3 queries, row 1 short → 1.
    await ix.match(line([0.1, 9.5, 0.9]), { k: 2 });
    expect(logger.warnings()).toHaveLength(2);
    expect(logger.warnings()[1]?.message).toMatch(/^1 lookup sets are shorter than/);
  });

  it('says nothing when every row is full, or when all rows are equally short of k', async () => {
    const logger = recordingLogger();
    const ix = await indexWith(new FakeSearch({ dim: 1 }), logger);
    await ix.calibrate(line([0.2, 9, 0.6, 8]), [0, 1, 0, 1], { k: 2 });
    await ix.match(line([0.1, 9.5]), { k: 3 });
    // The index holds 3 records: with k = 5 every row has the 3 lookups that exist, so nothing is padded.
    await ix.evaluateClassification(line([0.2, 9]), [0, 1], { k: 5 });
    expect(logger.warnings()).toEqual([]);
  });

  it('pads without a logger, without failing and without touching the console', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => {}),
    );
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    const ix = await indexWith(new ShortOddRows({ dim: 1 }));
    await ix.calibrate(line([0.2, 9, 0.6, 8]), [0, 1, 0, 1], { k: 2 });
    expect(Array.from(await ix.match(line([0.1, 9.5]), { k: 2 }))).toEqual([0, 1]);
    for (const spy of [...spies, stdout, stderr]) expect(spy).not.toHaveBeenCalled();
  });

  it('gives a loaded index the logger passed to load', async () => {
    await withTempDir(async (root) => {
      const ix = await indexWith(new ShortOddRows({ dim: 1 }));
      await ix.calibrate(line([0.2, 9]), [0, 1], { k: 2 });
      const dir = join(root, 'idx');
      await ix.save(dir);
      const logger = recordingLogger();
      // The registry rebuilds the saved fake-search as a ShortOddRows.
      const registry = { 'fake-search': { fromConfig: () => new ShortOddRows({ dim: 1 }) } };
      const back = await Indexer.load(dir, registry, { logger });
      await back.match(line([0.1, 9.5]), { k: 2 });
      expect(logger.warnings()).toHaveLength(1);
      expect(logger.warnings()[0]?.fields).toMatchObject({ shortLookupSets: 1 });
    });
  });

  it('rejects a logger without a log method at load', async () => {
    await expect(Indexer.load('/nowhere', {}, { logger: {} as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(Indexer.load('/nowhere', {}, 'x' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('Indexer — k larger than the index', () => {
  // Index on a line: x=0 with label 0, x=10 with label 1. With k = 5 each row holds the 2 records that exist.
  async function twoRecords(logger?: Logger): Promise<Indexer> {
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean', ...(logger && { logger }) });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    return ix;
  }

  it('calibrates on the lookups that exist: no +Infinity threshold, a finite optimal distance', async () => {
    const logger = recordingLogger();
    const ix = await twoRecords(logger);
    // x=1 (label 0): distances 1 (label 0), 9 (label 1); x=9 (label 1): 1 (label 1), 9 (label 0).
    // Thresholds are the distinct distances [1, 9]. Both queries match their nearest at 1:
    // tp = 2, fp = fn = 0 at both thresholds → f1 = 2·2 / (2·2 + 0 + 0) = 1 at both; the last maximum is at 9.
    const res = await ix.calibrate(line([1, 9]), [0, 1], { k: 5 });
    expect(res.thresholds.distance).toEqual([1, 9]);
    expect(res.thresholds.f1_score).toEqual([1, 1]);
    expect(res.cutpoints.optimal?.distance).toBe(9);
    expect(logger.warnings()).toEqual([]);
  });

  it('gives the hand-worked F1 curve and optimal cutpoint', async () => {
    const ix = await twoRecords();
    // Queries (label 0 each) with k = 5, rows (label, distance):
    //   x=1: (0, 1) (1, 9) → nearest 0 at 1: match
    //   x=4: (0, 4) (1, 6) → nearest 0 at 4: match
    //   x=9: (1, 1) (0, 9) → nearest 1 at 1: no match
    // Thresholds = distinct distances of both columns = [1, 4, 6, 9] (no +Infinity: nothing is padded).
    //   t=1: tp 1 (x=1), fp 1 (x=9), fn 1 (x=4) → precision 1/2, recall 1/2, f1 = 2/(2+1+1) = 1/2
    //   t=4, 6, 9: tp 2, fp 1, fn 0 → precision 2/3, recall 1, f1 = 4/(4+1) = 4/5
    // The optimal cutpoint is the last maximum of f1: t = 9.
    const res = await ix.calibrate(line([1, 4, 9]), [0, 0, 0], { k: 5 });
    expect(res.thresholds.distance).toEqual([1, 4, 6, 9]);
    expect(res.thresholds.f1_score).toEqual([1 / 2, 4 / 5, 4 / 5, 4 / 5]);
    expect(res.thresholds.precision).toEqual([1 / 2, 2 / 3, 2 / 3, 2 / 3]);
    expect(res.thresholds.recall).toEqual([1 / 2, 1, 1, 1]);
    expect(res.cutpoints.optimal).toEqual({
      name: 'optimal',
      value: 4 / 5,
      distance: 9,
      f1_score: 4 / 5,
      precision: 2 / 3,
      recall: 1,
    });

    // evaluateClassification with k = 5 at the optimal distance 9 gives the same numbers.
    const cls = await ix.evaluateClassification(line([1, 4, 9]), [0, 0, 0], { k: 5 });
    expect(cls.optimal).toEqual({ distance: 9, f1_score: 4 / 5, precision: 2 / 3, recall: 1 });

    // Matching against distance 9: x=100 is 90 from its nearest → no match (a +Infinity cutpoint would accept it).
    expect(Array.from(await ix.match(line([1, 100]), { k: 5 }))).toEqual([0, -1]);
    // Majority vote over the 2 lookups that exist: x=1 → labels [0, 1] tie → 0, mean distance (1 + 9)/2 = 5 ≤ 9;
    // x=6 → (1, 4) (0, 6) tie → 1, mean (4 + 6)/2 = 5 ≤ 9.
    expect(Array.from(await ix.match(line([1, 6]), { k: 5, matcher: 'match_majority_vote' }))).toEqual([0, 1]);
  });

  it('pads rows shorter than the longest to the longest, not to k, with one warning', async () => {
    const logger = recordingLogger();
    const ix = new Indexer({ embeddingSize: 1, distance: 'euclidean', search: new ShortOddRows({ dim: 1 }), logger });
    await ix.batchAdd(line([0, 10]), [0, 1]);
    // k = 5 on 2 records: query 0 (x=1) gets (0, 1) (1, 9), query 1 (x=4) only (0, 4) → padded to width 2, not 5.
    // Thresholds = [1, 4, 9, +Infinity] (the padding of the short row is a threshold, as in TensorFlow Similarity).
    // Both match their nearest (at 1 and 4): t=1 → tp 1, fn 1 → f1 = 2/3; t ≥ 4 → tp 2 → f1 = 1.
    const res = await ix.calibrate(line([1, 4]), [0, 0], { k: 5 });
    expect(res.thresholds.distance).toEqual([1, 4, 9, Number.POSITIVE_INFINITY]);
    expect(res.thresholds.f1_score).toEqual([2 / 3, 1, 1, 1]);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]?.message).toMatch(/^1 lookup sets are shorter than the max lookup set length \(2\)\./);
    expect(logger.warnings()[0]?.fields).toEqual({ shortLookupSets: 1, maxLookupSetLength: 2, k: 2 });
  });

  it('evaluates retrieval metrics up to the index size and rejects a larger metric k', async () => {
    const ix = await twoRecords();
    const { RecallAtK } = await import('@simkit/retrieval-metrics');
    // recall@2 looks up k = 3 and gets the 2 records; each query's label is among them → 1.
    expect(await ix.evaluateRetrieval(line([1, 4, 9]), [0, 0, 0], [new RecallAtK({ k: 2 })])).toEqual({
      'recall@2': 1,
    });
    // recall@5 needs 5 lookups per query; 2 came back, as TensorFlow Similarity refuses too.
    const e = await expectCode(
      () => ix.evaluateRetrieval(line([1]), [0], [new RecallAtK({ k: 5 })]),
      'INVALID_ARGUMENT',
    );
    expect(e.message).toContain('returned 2 lookups');
  });
});
