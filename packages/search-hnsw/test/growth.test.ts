import { batch, clusteredVectors } from '@simkit/core';
import { describe, expect, it } from 'vitest';
import { HnswSearch } from '../src/index.js';
import { bruteForce, recall } from './reference.js';

describe('HnswSearch capacity', () => {
  it('grows far past initialCapacity without the caller noticing', async () => {
    const dim = 16;
    const n = 3000;
    const { data } = clusteredVectors(n, dim, 20, 5);
    const s = new HnswSearch({ distance: 'euclidean', dim, initialCapacity: 4, efConstruction: 64 });
    expect(s.capacity).toBe(4);
    // Batches of uneven size, each of which may cross the current capacity.
    const sizes = [1, 3, 1, 50, 445, 1500, 1000];
    let start = 0;
    for (const size of sizes) {
      const ids = Array.from({ length: size }, (_, i) => start + i);
      await s.add(ids, batch(data.slice(start * dim, (start + size) * dim), dim));
      start += size;
      expect(s.size()).toBe(start);
      expect(s.capacity).toBeGreaterThan(start);
    }
    expect(start).toBe(n);
    // Before each batch the graph grows to max(count + batch + 1, 2 × capacity) when that exceeds it:
    // 4 → (1+3+1=5 vs 8) 8 → (5+50+1=56 vs 16) 56 → (55+445+1=501 vs 112) 501
    //   → (500+1500+1=2001 vs 1002) 2001 → (2000+1000+1=3001 vs 4002) 4002.
    expect(s.capacity).toBe(4002);

    const queries = clusteredVectors(50, dim, 20, 5).data;
    const got = await s.lookup(batch(queries, dim), 10);
    const ids = Array.from({ length: n }, (_, i) => i);
    const want = Array.from({ length: 50 }, (_, q) =>
      bruteForce('euclidean', ids, data, dim, queries.subarray(q * dim, (q + 1) * dim), 10).map((w) => w.id),
    );
    expect(
      recall(
        got.map((r) => r.ids),
        want,
      ),
    ).toBeGreaterThanOrEqual(0.95);
  });

  it('reports add progress', async () => {
    const events: Array<{ done: number; total?: number }> = [];
    const s = new HnswSearch({ distance: 'cosine', dim: 4, onProgress: (e) => events.push(e) });
    const { data } = clusteredVectors(600, 4, 3, 9);
    await s.add(
      Array.from({ length: 600 }, (_, i) => i),
      batch(data, 4),
    );
    // One event per 256 vectors, plus the final one: 256, 512, 600.
    expect(events.map((e) => e.done)).toEqual([256, 512, 600]);
    expect(events.every((e) => e.total === 600)).toBe(true);
  });
});
