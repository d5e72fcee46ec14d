import { batch, randomVectors } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';
import { type DistanceName, bruteForce } from './reference.js';

// Keys a = (1,0,0), b = (0,2,0), c = (1,1,1) under ids 0, 1, 2; query q = (1,2,2), |q| = 3.
const keys = Float32Array.from([1, 0, 0, 0, 2, 0, 1, 1, 1]);
const query = Float32Array.from([1, 2, 2]);

describe('HnswSearch distances, in our units', () => {
  it('euclidean is the square root of hnswlib l2', async () => {
    // q−a = (0,2,2) → √8; q−b = (1,0,2) → √5; q−c = (0,1,1) → √2.
    const s = new HnswSearch({ distance: 'euclidean', dim: 3 });
    await s.add([0, 1, 2], batch(keys, 3));
    const [r] = await s.lookup(batch(query, 3), 3);
    expect(Array.from(r?.ids ?? [])).toEqual([2, 1, 0]);
    expect(Array.from(r?.distances ?? [])).toEqual([Math.SQRT2, Math.sqrt(5), Math.sqrt(8)].map(Math.fround));
  });

  it('squared_euclidean is hnswlib l2 as it is', async () => {
    // 0²+1²+1² = 2; 1²+0²+2² = 5; 0²+2²+2² = 8.
    const s = new HnswSearch({ distance: 'squared_euclidean', dim: 3 });
    await s.add([0, 1, 2], batch(keys, 3));
    const [r] = await s.lookup(batch(query, 3), 3);
    expect(Array.from(r?.ids ?? [])).toEqual([2, 1, 0]);
    expect(Array.from(r?.distances ?? [])).toEqual([2, 5, 8]);
  });

  it('inner_product is 1 − q·k', async () => {
    // q·c = 1+2+2 = 5 → −4; q·b = 4 → −3; q·a = 1 → 0.
    const s = new HnswSearch({ distance: 'inner_product', dim: 3 });
    await s.add([0, 1, 2], batch(keys, 3));
    const [r] = await s.lookup(batch(query, 3), 3);
    expect(Array.from(r?.ids ?? [])).toEqual([2, 1, 0]);
    expect(Array.from(r?.distances ?? [])).toEqual([-4, -3, 0]);
  });

  it('cosine is 1 − cos on normalised vectors, never below 0', async () => {
    // cos(q,c) = 5/(3·√3) → 1 − 0.962250 = 0.037750; cos(q,b) = 4/(3·2) → 1/3; cos(q,a) = 1/3 → 2/3.
    const s = new HnswSearch({ distance: 'cosine', dim: 3 });
    await s.add([0, 1, 2], batch(keys, 3));
    const [r] = await s.lookup(batch(query, 3), 3);
    expect(Array.from(r?.ids ?? [])).toEqual([2, 1, 0]);
    const d = Array.from(r?.distances ?? []);
    expect(d[0]).toBeCloseTo(1 - 5 / (3 * Math.sqrt(3)), 6);
    expect(d[1]).toBeCloseTo(1 / 3, 6);
    expect(d[2]).toBeCloseTo(2 / 3, 6);
    // A vector against a scaled copy of itself: cos = 1, so the distance is exactly 0, not a rounding below it.
    const [same] = await s.lookup(batch(Float32Array.from([3, 3, 3]), 3), 1);
    expect(Array.from(same?.ids ?? [])).toEqual([2]);
    expect(same?.distances[0]).toBe(0);
  });

  it('does not change the caller’s vectors (cosine normalises copies)', async () => {
    const s = new HnswSearch({ distance: 'cosine', dim: 3 });
    const input = keys.slice();
    await s.add([0, 1, 2], batch(input, 3));
    const q = query.slice();
    await s.lookup(batch(q, 3), 2);
    expect(Array.from(input)).toEqual(Array.from(keys));
    expect(Array.from(q)).toEqual(Array.from(query));
  });

  for (const name of ['cosine', 'euclidean', 'squared_euclidean', 'inner_product'] as DistanceName[]) {
    it(`${name}: ids and distances match a brute-force scan on small data`, async () => {
      const dim = 8;
      const n = 300;
      const data = randomVectors(n, dim, 41);
      const ids = Array.from({ length: n }, (_, i) => 1000 + 7 * i);
      // efSearch above n makes the graph search visit everything it can reach.
      const s = new HnswSearch({ distance: name, dim, efSearch: 400 });
      await s.add(ids, batch(data, dim));
      const queries = randomVectors(25, dim, 42);
      const got = await s.lookup(batch(queries, dim), 10);
      for (let q = 0; q < 25; q++) {
        const want = bruteForce(name, ids, data, dim, queries.subarray(q * dim, (q + 1) * dim), 10);
        expect(Array.from(got[q]?.ids ?? [])).toEqual(want.map((w) => w.id));
        const distances = Array.from(got[q]?.distances ?? []);
        want.forEach((w, j) => {
          expect(distances[j]).toBeCloseTo(w.distance, 4);
        });
      }
    });
  }
});
