import { batch } from '@simkit/core';
import { resolveDistance } from '@simkit/distances';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { type Entry, naiveScan, plain } from './naive-scan.js';

// Small integer coordinates make exact ties common and every distance exact in float32,
// so the comparison with the naive scan can demand identical ids, order and values.
const coordinate = fc.integer({ min: -3, max: 3 });
const EXACT_DISTANCES = ['euclidean', 'squared_euclidean', 'manhattan', 'inner_product'] as const;

const scenario = fc
  .record({
    dim: fc.integer({ min: 1, max: 5 }),
    n: fc.integer({ min: 0, max: 60 }),
    queries: fc.integer({ min: 0, max: 9 }),
    k: fc.integer({ min: 1, max: 70 }),
    queryBlock: fc.integer({ min: 1, max: 9 }),
    keyBlock: fc.integer({ min: 1, max: 17 }),
    distance: fc.constantFrom(...EXACT_DISTANCES),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .chain((p) =>
    fc.record({
      p: fc.constant(p),
      ids: fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: p.n, maxLength: p.n }),
      data: fc.array(coordinate, { minLength: p.n * p.dim, maxLength: p.n * p.dim }),
      queryData: fc.array(coordinate, { minLength: p.queries * p.dim, maxLength: p.queries * p.dim }),
      // Per entry: 0 keep, 1 remove, 2 re-add with a new vector (same place in insertion order).
      fate: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: p.n, maxLength: p.n }),
      readd: fc.array(coordinate, { minLength: p.n * p.dim, maxLength: p.n * p.dim }),
      // 0: no filter; 1–4: drop ids divisible by 2–5 (mostly kept); 5–8: keep only those (mostly dropped).
      filterKind: fc.integer({ min: 0, max: 8 }),
    }),
  );

describe('LinearSearch equals a naive scan (property)', () => {
  it('same ids, order (ties in insertion order) and distances for random data, k and block sizes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ p, ids, data, queryData, fate, readd, filterKind }) => {
        const { dim } = p;
        const distance = resolveDistance(p.distance);
        const s = new LinearSearch({ distance: p.distance, dim, queryBlock: p.queryBlock, keyBlock: p.keyBlock });
        // Add in two batches to exercise growth.
        const half = p.n >> 1;
        await s.add(ids.slice(0, half), batch(Float32Array.from(data.slice(0, half * dim)), dim));
        await s.add(ids.slice(half), batch(Float32Array.from(data.slice(half * dim)), dim));

        let model: Entry[] = ids.map((id, i) => ({
          id,
          vector: Float32Array.from(data.slice(i * dim, (i + 1) * dim)),
        }));
        const removed = ids.filter((_, i) => fate[i] === 1);
        const readded = ids.map((id, i) => ({ id, i })).filter(({ i }) => fate[i] === 2);
        await s.remove(removed);
        model = model.filter((e) => !removed.includes(e.id));
        if (readded.length > 0) {
          const vectors = readded.flatMap(({ i }) => readd.slice(i * dim, (i + 1) * dim));
          await s.add(
            readded.map((r) => r.id),
            batch(Float32Array.from(vectors), dim),
          );
          model = model.map((e) => {
            const at = ids.indexOf(e.id);
            return fate[at] === 2 ? { id: e.id, vector: Float32Array.from(readd.slice(at * dim, (at + 1) * dim)) } : e;
          });
        }
        expect(s.size()).toBe(model.length);

        const m = ((filterKind - 1) % 4) + 2;
        const filter =
          filterKind === 0 ? undefined : filterKind <= 4 ? (id: number) => id % m !== 0 : (id: number) => id % m === 0;
        const visible = filter === undefined ? model : model.filter((e) => filter(e.id));
        const queries = Float32Array.from(queryData);
        const got = await s.lookup(batch(queries, dim), p.k, filter ? { filter } : {});
        const want = Array.from({ length: p.queries }, (_, q) => {
          const query = queries.subarray(q * dim, (q + 1) * dim);
          return naiveScan(visible, p.k, (v) => Math.fround(distance.compute(query, v)));
        });
        expect(plain(got)).toEqual(plain(want));
      }),
      { numRuns: 300 },
    );
  });
});
