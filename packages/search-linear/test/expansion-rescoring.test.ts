import { batch, clusteredVectors, randomVectors } from '@simkit/core';
import { EuclideanDistance, resolveDistance, squaredNorms } from '@simkit/distances';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { VectorSlots } from '../src/vector-slots.js';
import { type Entry, naiveScan, plain, rowsOf } from './naive-scan.js';

// Euclidean searches rank by ‖q‖² − 2q·k + ‖k‖² and then re-score their candidates exactly;
// these tests hold them to the direct-difference values where the expansion alone would fail.
describe('LinearSearch euclidean ranking by expansion, re-scored exactly', () => {
  it('reports near-duplicates far from the origin exactly', async () => {
    // As in @simkit/distances: float32 spacing at 1000 is 2^-14, and Math.fround(1000.001) − 1000 = 16 · 2^-14.
    const s = new LinearSearch({ distance: 'euclidean' });
    await s.add([1, 2], batch(Float32Array.from([1000, 1000, 1000.001, 1000, 1000, 1000, 1000, 1000]), 4));
    const [r] = await s.lookup(batch(Float32Array.from([1000, 1000, 1000, 1000]), 4), 2);
    // id 2 is the query itself: exactly 0; id 1 differs by 16 · 2^-14 = 9.765625e-4 in one coordinate.
    expect(Array.from(r!.ids)).toEqual([2, 1]);
    expect(Array.from(r!.distances)).toEqual([0, 16 * 2 ** -14]);
  });

  it('orders near-duplicates far from the origin by their exact distances', async () => {
    // Keys (10^6 + i/16, 1/3, 1/7) for i = 0..39 in float32 (spacing at 10^6 is 1/16), inserted in a scrambled
    // order; query (10^6, 1/3, 1/7). ‖q‖² ≈ 10^12, so the float64 expansion is only good to about
    // 10^12 · 2^-50 ≈ 10^-3, while the squared distances (i/16)² of neighbours differ by as little as 2^-8 ≈ 0.004.
    // Direct differences are exact: key i is at i/16, squared (i/16)².
    const base = 1e6;
    const order = Array.from({ length: 40 }, (_, j) => (j * 17) % 40);
    const data = new Float32Array(40 * 3);
    order.forEach((i, slot) => {
      data.set([base + i / 16, 1 / 3, 1 / 7], slot * 3);
    });
    for (const name of ['euclidean', 'squared_euclidean'] as const) {
      const s = new LinearSearch({ distance: name, dim: 3 });
      await s.add(order, batch(data, 3));
      const [r] = await s.lookup(batch(Float32Array.from([base, 1 / 3, 1 / 7]), 3), 12);
      // ids are the offsets i, so the nearest 12 are 0..11
      expect(Array.from(r!.ids)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const want = Array.from({ length: 12 }, (_, i) => (name === 'euclidean' ? i / 16 : (i / 16) ** 2));
      expect(Array.from(r!.distances)).toEqual(want);
    }
  });

  it('finds every stored vector at distance exactly 0 from itself', async () => {
    const dim = 33;
    const { data } = clusteredVectors(300, dim, 5, 17);
    // Shift far from the origin so the norms are large and the expansion cancels heavily.
    const shifted = data.map((x) => x * 3 + 500);
    for (const name of ['euclidean', 'squared_euclidean'] as const) {
      const s = new LinearSearch({ distance: name, dim, queryBlock: 7, keyBlock: 50 });
      await s.add(
        Int32Array.from({ length: 300 }, (_, i) => i),
        batch(shifted, dim),
      );
      const got = await s.lookup(batch(shifted, dim), 3);
      got.forEach((r, i) => {
        expect(r.ids[0]).toBe(i);
        expect(r.distances[0]).toBe(0);
        expect(r.distances[1]).toBeGreaterThan(0);
      });
    }
  });

  it('keeps ties in insertion order when duplicates crowd the k-th place', async () => {
    // 30 copies of (1, 1) then (0, 0) twice, query (0, 0): the two zeros first, then ten copies at √2 in insertion order.
    const data = new Float32Array(64).fill(1);
    data.fill(0, 60);
    const ids = Array.from({ length: 32 }, (_, i) => 100 + i);
    const s = new LinearSearch({ distance: 'euclidean', dim: 2 });
    await s.add(ids, batch(data, 2));
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 12);
    expect(Array.from(r!.ids)).toEqual([130, 131, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(Array.from(r!.distances)).toEqual([0, 0, ...Array(10).fill(Math.fround(Math.SQRT2))]);
  });

  it('stays exact where the expansion alone picks the wrong neighbours', async () => {
    // 100 keys and one query with coordinates 10^5 + 10^-3·m (m an integer in −4..4, rounded to float32, whose
    // spacing at 10^5 is 2^-7 ≈ 0.0078): differences of a few float32 steps, while ‖q‖² ≈ 64 · 10^10 makes the
    // float64 expansion uncertain by ~10^-4 — as large as the gaps between the squared distances (~6 · 10^-4).
    // Many distances tie, too. Re-scoring only the best k + 8 by the expansion, without the check that nothing
    // outside them can compete, returns ids 29, 14, 27 here; the exact answer, from direct differences, is below.
    const dim = 64;
    const n = 100;
    const raw = randomVectors(n + 1, dim, 11).map((x) => 1e5 + 1e-3 * Math.round(x * 4));
    const data = raw.slice(0, n * dim);
    const query = raw.slice(n * dim);
    const euclidean = new EuclideanDistance();
    const entries: Entry[] = rowsOf(data, dim).map((vector, i) => ({ id: i, vector }));
    const want = naiveScan(entries, 3, (v) => Math.fround(euclidean.compute(query, v)));
    expect(Array.from(want.ids)).toEqual([29, 33, 81]);
    const s = new LinearSearch({ distance: 'euclidean', dim });
    await s.add(
      Int32Array.from({ length: n }, (_, i) => i),
      batch(data, dim),
    );
    const [r] = await s.lookup(batch(query, dim), 3);
    expect(plain([r!])).toEqual(plain([want]));
  });

  it('equals a naive scan of direct differences on clustered data at any offset (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          dim: fc.integer({ min: 1, max: 24 }),
          n: fc.integer({ min: 1, max: 120 }),
          queries: fc.integer({ min: 1, max: 6 }),
          k: fc.integer({ min: 1, max: 30 }),
          offset: fc.constantFrom(0, 1, 1e3, 1e5, -3e4),
          spread: fc.constantFrom(1e-4, 0.01, 1),
          duplicates: fc.integer({ min: 0, max: 10 }),
          distance: fc.constantFrom('euclidean', 'squared_euclidean'),
          seed: fc.integer({ min: 0, max: 2 ** 30 }),
          queryBlock: fc.integer({ min: 1, max: 9 }),
          keyBlock: fc.integer({ min: 1, max: 40 }),
        }),
        async (p) => {
          const { data: raw } = clusteredVectors(p.n + p.queries, p.dim, 3, p.seed, 0.15);
          const all = raw.map((x) => x * p.spread + p.offset);
          const data = all.slice(0, p.n * p.dim);
          // Copy some rows onto others so exact ties appear.
          for (let d = 0; d < p.duplicates; d++) {
            const from = (d * 7) % p.n;
            const to = (d * 13 + 5) % p.n;
            data.copyWithin(to * p.dim, from * p.dim, (from + 1) * p.dim);
          }
          const queries = all.slice(p.n * p.dim);
          if (p.n > 1) queries.set(data.subarray(0, p.dim));
          const ids = Array.from({ length: p.n }, (_, i) => 3 * i + 1);
          const s = new LinearSearch({
            distance: p.distance,
            dim: p.dim,
            queryBlock: p.queryBlock,
            keyBlock: p.keyBlock,
          });
          await s.add(ids, batch(data, p.dim));
          const distance = resolveDistance(p.distance);
          const entries: Entry[] = rowsOf(data, p.dim).map((vector, i) => ({ id: ids[i]!, vector }));
          const want = rowsOf(queries, p.dim).map((q) =>
            naiveScan(entries, p.k, (v) => Math.fround(distance.compute(q, v))),
          );
          expect(plain(await s.lookup(batch(queries, p.dim), p.k))).toEqual(plain(want));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('uses a Distance object that only claims to be euclidean as given, without the expansion', async () => {
    // A custom distance named 'euclidean' that measures |q₀ − k₀| only: the search must rank by it.
    const real = new EuclideanDistance();
    const firstCoordinate = {
      name: 'euclidean',
      aliases: [],
      normalize: false,
      compute: (a: Float32Array, b: Float32Array) => Math.abs((a[0] as number) - (b[0] as number)),
      batch: (q: Float32Array, k: Float32Array, dim: number, out?: Float32Array) => {
        const rows = q.length / dim;
        const cols = k.length / dim;
        const res = out ?? new Float32Array(rows * cols);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) res[i * cols + j] = Math.abs((q[i * dim] as number) - (k[j * dim] as number));
        }
        return res;
      },
      pairwise: real.pairwise.bind(real),
      toConfig: () => real.toConfig(),
    };
    const s = new LinearSearch({ distance: firstCoordinate, dim: 2 });
    // keys (0, 100), (1, 0), (5, 5); query (0, 0): |0−0| = 0, |0−1| = 1, |0−5| = 5
    await s.add([1, 2, 3], batch(Float32Array.from([0, 100, 1, 0, 5, 5]), 2));
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 3);
    expect(Array.from(r!.ids)).toEqual([1, 2, 3]);
    expect(Array.from(r!.distances)).toEqual([0, 1, 5]);
  });
});

describe('VectorSlots squared norms', () => {
  it('follow every put, replacement, compaction, growth and load', () => {
    const dim = 2;
    const slots = new VectorSlots(dim, 1);
    // (3, 4) → 25, (1, 1) → 2, (0, 2) → 4
    slots.put(Int32Array.from([7, 8, 9]), Float32Array.from([3, 4, 1, 1, 0, 2]));
    expect(Array.from(slots.norms.subarray(0, 3))).toEqual([25, 2, 4]);
    // id 8 gets (2, 2) → 8 in its old slot
    slots.put(Int32Array.from([8]), Float32Array.from([2, 2]));
    expect(Array.from(slots.norms.subarray(0, 3))).toEqual([25, 8, 4]);
    // removing 7 and 8 leaves 9 alone; compaction moves it (and its norm 4) to slot 0
    slots.remove(Int32Array.from([7, 8]));
    slots.compact();
    expect(slots.count).toBe(1);
    expect(slots.norms[0]).toBe(4);
    const { vectors, ids } = slots.snapshot();
    const loaded = VectorSlots.fromRows(dim, vectors, ids);
    if (typeof loaded === 'string') throw new Error(loaded);
    expect(loaded.norms[0]).toBe(4);
    // and every norm equals squaredNorms of its stored vector
    expect(Array.from(loaded.norms.subarray(0, 1))).toEqual(Array.from(squaredNorms(loaded.vectors.subarray(0, 2), 2)));
  });
});
