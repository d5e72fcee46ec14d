import { SimkitError } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { tensor1d, tensor2d } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimilarityModel } from '../src/index.js';
import { projectionModel, randomDenseModel, randomRows, useCpu } from './fixtures.js';

beforeAll(useCpu);

/** Cosine distance in float64: max(1 − q̂·ê, 0). */
function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return Math.max(1 - dot / Math.sqrt(na * nb), 0);
}

describe('SimilarityModel indexing and lookup', () => {
  it('indexes N points, then indexSize() is N', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile();
    const ids = await sim.index(randomRows(7, 3, 1), [0, 1, 2, 0, 1, 2, 0]);
    expect(Array.from(ids)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sim.indexSize()).toBe(7);
    await sim.indexSingle([1, 2, 3], 5, { note: 'single' });
    expect(sim.indexSize()).toBe(8);
  });

  it('embeds with the model: (x0, x1, x2) → (x0, x1) on the projection model', async () => {
    const sim = new SimilarityModel(projectionModel());
    const e = await sim.embed([
      [1, 2, 3],
      [-4, 5, 6],
    ]);
    // Kernel [[1,0],[0,1],[0,0]], bias 0: row 0 → (1, 2), row 1 → (−4, 5).
    expect(e.rows).toBe(2);
    expect(e.dim).toBe(2);
    expect(Array.from(e.data)).toEqual([1, 2, -4, 5]);
    expect(Array.from((await sim.predict([[7, 8, 9]])).data)).toEqual([7, 8]);
  });

  it('accepts a tf.Tensor, { data, shape } and nested arrays alike', async () => {
    const sim = new SimilarityModel(projectionModel());
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const t = tensor2d(rows);
    const fromTensor = await sim.embed(t);
    const fromData = await sim.embed({ data: Float32Array.from(rows.flat()), shape: [2, 3] });
    const fromPlain = await sim.embed({ data: rows.flat(), shape: [2, 3] });
    const fromNested = await sim.embed(rows);
    for (const e of [fromData, fromPlain, fromNested]) expect(Array.from(e.data)).toEqual(Array.from(fromTensor.data));
    expect(t.isDisposed).toBe(false);
    t.dispose();
  });

  it('embeds in batches of batchSize and reports progress per batch', async () => {
    const events: Array<{ task: string; done: number; total?: number }> = [];
    const sim = new SimilarityModel(randomDenseModel(4, 3, 9), {
      batchSize: 2,
      onProgress: (e) => {
        if (e.task === 'embed') events.push(e);
      },
    });
    const x = randomRows(5, 4, 3);
    const batched = await sim.embed(x);
    const whole = await new SimilarityModel(sim.model).embed(x);
    // 5 rows in batches of 2: progress after 2, 4 and 5 rows.
    expect(events.map((e) => e.done)).toEqual([2, 4, 5]);
    expect(events.every((e) => e.total === 5)).toBe(true);
    for (const [i, v] of Array.from(batched.data).entries()) expect(v).toBeCloseTo(whole.data[i] as number, 6);
  });

  it('lookup returns neighbours in the order of a brute-force scan over the model embeddings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 6 }), async (seed, k) => {
        const sim = new SimilarityModel(randomDenseModel(5, 4, seed));
        sim.compile();
        const data = randomRows(30, 5, seed + 1);
        const queries = randomRows(4, 5, seed + 2);
        await sim.index(
          data,
          null,
          data.map((_, i) => ({ row: i })),
        );
        const indexed = await sim.embed(data);
        const q = await sim.embed(queries);
        const results = await sim.lookup(queries, k);
        expect(results).toHaveLength(4);
        results.forEach((row, r) => {
          const query = q.data.subarray(r * 4, r * 4 + 4);
          const brute = Array.from({ length: 30 }, (_, id) => ({
            id,
            d: cosineDistance(query, indexed.data.subarray(id * 4, id * 4 + 4)),
          })).sort((a, b) => a.d - b.d);
          expect(row).toHaveLength(k);
          row.forEach((hit, j) => {
            expect(hit.rank).toBe(j + 1);
            expect(hit.distance).toBeCloseTo(brute[j]?.d as number, 5);
            // The same id unless two brute-force distances are within float32 noise of each other.
            const tied = brute.filter((b) => Math.abs(b.d - hit.distance) < 1e-5).map((b) => b.id);
            expect(tied).toContain(hit.id);
            expect(hit.data).toEqual({ row: hit.id });
            expect(hit.label).toBeNull();
          });
        });
      }),
      { numRuns: 8 },
    );
  });

  it('singleLookup takes one sample with or without the batch axis', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex({ distance: 'euclidean' });
    await sim.index(
      [
        [0, 0, 0],
        [3, 4, 0],
        [10, 0, 0],
      ],
      [7, 8, 9],
    );
    // Query (3, 0): distances to (0,0) = 3, (3,4) = 4, (10,0) = 7.
    const a = await sim.singleLookup([3, 0, 99], 3);
    const b = await sim.singleLookup([[3, 0, -1]], 3);
    for (const hits of [a, b]) {
      expect(hits.map((h) => h.id)).toEqual([0, 1, 2]);
      expect(hits.map((h) => h.distance)).toEqual([3, 4, 7]);
      expect(hits.map((h) => h.label)).toEqual([7, 8, 9]);
      expect(Array.from(hits[1]?.embedding ?? [])).toEqual([3, 4]);
    }
    // Default k is 5; the index holds 3, so 3 come back.
    expect(await sim.lookup([[0, 0, 0]])).toHaveLength(1);
    expect((await sim.lookup([[0, 0, 0]]))[0]).toHaveLength(3);
  });

  it('resetIndex empties the index and toDataFrame lists what is indexed', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    await sim.index(
      [
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 0],
      ],
      [1, 2, null],
      ['a', 'b', 'c'],
    );
    const all = await sim.toDataFrame();
    expect(all.numRows).toBe(3);
    expect(Array.from(all.columns.label)).toEqual([1, 2, 0]);
    expect(Array.from(all.columns.labelValid)).toEqual([1, 1, 0]);
    expect(Array.from(all.columns.embedding)).toEqual([1, 0, 0, 1, 1, 1]);
    expect(all.columns.data).toEqual(['a', 'b', 'c']);
    expect((await sim.toDataFrame(2)).numRows).toBe(2);
    await sim.resetIndex();
    expect(sim.indexSize()).toBe(0);
  });

  it('labels may be a rank-1 tf.Tensor', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.createIndex();
    const labels = tensor1d([4, 5], 'int32');
    await sim.index(
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      labels,
    );
    const hits = await sim.lookup([[0, 1, 0]], 1);
    expect(hits[0]?.[0]?.label).toBe(5);
    labels.dispose();
  });

  it('throws SimkitError, not a tfjs error, for input of the wrong shape', async () => {
    const sim = new SimilarityModel(projectionModel());
    sim.compile();
    const err = await expectCode(() => sim.index([[1, 2]]), 'DIMENSION_MISMATCH');
    expect(err.message).toContain('[any, 3]');
    expect(SimkitError.isInstance(err)).toBe(true);
  });
});
