import { batch, clusteredVectors, randomVectors } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';
import { bruteForce, recall } from './reference.js';

// Points on the x axis: id i at (i, 0), for i = 0..9.
const line = Float32Array.from(Array.from({ length: 10 }, (_, i) => [i, 0]).flat());
const lineIds = Array.from({ length: 10 }, (_, i) => i);

describe('HnswSearch lookup', () => {
  it('keeps only ids the filter accepts, closest first', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await s.add(lineIds, batch(line, 2));
    // From (4.2, 0) the multiples of 3 are 3 (|4.2−3| = 1.2), 6 (1.8), 0 (4.2) and 9 (4.8).
    const [r] = await s.lookup(batch(Float32Array.from([4.2, 0]), 2), 3, { filter: (id) => id % 3 === 0 });
    expect(Array.from(r?.ids ?? [])).toEqual([3, 6, 0]);
    expect(r?.distances[0]).toBeCloseTo(1.2, 5);
    expect(r?.distances[1]).toBeCloseTo(1.8, 5);
    expect(r?.distances[2]).toBeCloseTo(4.2, 5);
  });

  it('returns empty rows when the filter rejects everything, and fewer rows when it accepts few', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await s.add(lineIds, batch(line, 2));
    const none = await s.lookup(batch(Float32Array.from([1, 0, 5, 0]), 2), 4, { filter: () => false });
    expect(none.map((r) => r.ids.length)).toEqual([0, 0]);
    const [two] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 5, { filter: (id) => id === 7 || id === 2 });
    expect(Array.from(two?.ids ?? [])).toEqual([2, 7]);
  });

  it('passes an error thrown by the filter to the caller and keeps working', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await s.add(lineIds, batch(line, 2));
    const boom = new Error('filter failed');
    await expect(
      s.lookup(batch(Float32Array.from([0, 0]), 2), 3, {
        filter: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 2);
    expect(Array.from(r?.ids ?? [])).toEqual([0, 1]);
  });

  it('rejects a filter that is not a function', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2 });
    await s.add(lineIds, batch(line, 2));
    await expectCode(
      () => s.lookup(batch(Float32Array.from([0, 0]), 2), 1, { filter: 3 as never }),
      'INVALID_ARGUMENT',
    );
    await expectCode(() => s.lookup(batch(Float32Array.from([0, 0]), 2), 1, null as never), 'INVALID_ARGUMENT');
  });

  it('answers k far above the count, and above hnswlib’s own capacity, with what exists', async () => {
    const s = new HnswSearch({ distance: 'euclidean', dim: 2, initialCapacity: 4 });
    await s.add([0, 1, 2], batch(Float32Array.from([0, 0, 1, 0, 2, 0]), 2));
    for (const k of [3, 4, 5, 1000, 2 ** 31 - 1]) {
      const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), k);
      expect(Array.from(r?.ids ?? [])).toEqual([0, 1, 2]);
    }
    await s.remove([1]);
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 3);
    expect(Array.from(r?.ids ?? [])).toEqual([0, 2]);
  });

  it('answers on an empty index and on zero queries without touching wasm', async () => {
    const s = new HnswSearch({ distance: 'cosine' });
    const res = await s.lookup(batch(randomVectors(3, 5, 1), 5), 10);
    expect(res.map((r) => [r.ids.length, r.distances.length])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    await s.add([0], batch(Float32Array.from([1, 2, 3, 4, 5]), 5));
    expect(await s.lookup({ data: new Float32Array(0), rows: 0, dim: 5 }, 3)).toEqual([]);
  });

  it('trades speed for recall through efSearch, set after building', async () => {
    const dim = 32;
    const n = 4000;
    const { data } = clusteredVectors(n, dim, 40, 17, 0.6);
    const ids = Array.from({ length: n }, (_, i) => i);
    const s = new HnswSearch({ distance: 'euclidean', dim, M: 6, efConstruction: 20, efSearch: 1 });
    await s.add(ids, batch(data, dim));
    const queries = clusteredVectors(60, dim, 40, 18, 0.6).data;
    const want = Array.from({ length: 60 }, (_, q) =>
      bruteForce('euclidean', ids, data, dim, queries.subarray(q * dim, (q + 1) * dim), 10).map((w) => w.id),
    );
    const at = async (ef: number) => {
      s.setEfSearch(ef);
      return recall(
        (await s.lookup(batch(queries, dim), 10)).map((r) => r.ids),
        want,
      );
    };
    // A small graph (M = 6) searched with ef = 10 misses many true neighbours; ef = 500 finds nearly all.
    const low = await at(10);
    const high = await at(500);
    expect(low).toBeLessThan(0.9);
    expect(high).toBeGreaterThan(low);
    expect(high).toBeGreaterThanOrEqual(0.98);
  });
});
