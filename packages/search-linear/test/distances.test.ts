import { batch, randomVectors } from '@simkit/core';
import { DISTANCE_NAMES } from '@simkit/distances';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { type Entry, expectClose, naiveScan, referenceDistance, rowsOf } from './naive-scan.js';

// Query q = (1, 2); keys in insertion order: id 10 (1, 2), id 11 (4, 6), id 12 (2, 1), id 13 (−1, −2).
const KEYS = Float32Array.from([1, 2, 4, 6, 2, 1, -1, -2]);
const QUERY = Float32Array.from([1, 2]);

const HAND_COMPUTED: Record<string, { ids: number[]; distances: number[] }> = {
  // q−k: (0,0) (−3,−4) (−1,1) (2,4) → √0, √25, √2, √20
  euclidean: { ids: [10, 12, 13, 11], distances: [0, Math.SQRT2, Math.sqrt(20), 5] },
  // 0, 9+16, 1+1, 4+16
  squared_euclidean: { ids: [10, 12, 13, 11], distances: [0, 2, 20, 25] },
  // 0, 3+4, 1+1, 2+4
  manhattan: { ids: [10, 12, 13, 11], distances: [0, 2, 6, 7] },
  // 1 − q·k: 1−(1+4) = −4, 1−(4+12) = −15, 1−(2+2) = −3, 1−(−1−4) = 6
  inner_product: { ids: [11, 10, 12, 13], distances: [-15, -4, -3, 6] },
  // 1 − q̂·k̂: same direction 0; 1 − 16/(√5·√52) = 1 − 16/√260 ≈ 0.0077221; 1 − 4/(√5·√5) = 0.2; opposite 1 − (−1) = 2
  cosine: { ids: [10, 11, 12, 13], distances: [0, 1 - 16 / Math.sqrt(260), 0.2, 2] },
  // var(q) = ((1−1.5)² + (2−1.5)²)/2 = 0.25; var(q−k): (0,0) → 0, (−3,−4) → 0.25, (−1,1) → 1, (2,4) → 1
  // ratios 0, 1, 4, 4; ids 12 and 13 tie at 4 and keep insertion order.
  snr: { ids: [10, 11, 12, 13], distances: [0, 1, 4, 4] },
};

describe('LinearSearch with each distance', () => {
  it('covers all six distances', () => {
    expect([...DISTANCE_NAMES].sort()).toEqual(Object.keys(HAND_COMPUTED).sort());
  });

  for (const name of Object.keys(HAND_COMPUTED)) {
    it(`${name}: ranks a hand-computed example`, async () => {
      const s = new LinearSearch({ distance: name });
      await s.add([10, 11, 12, 13], batch(KEYS, 2));
      const [r] = await s.lookup(batch(QUERY, 2), 4);
      const want = HAND_COMPUTED[name]!;
      expect(Array.from(r!.ids)).toEqual(want.ids);
      expectClose(r!.distances, want.distances, 6);
    });
  }

  for (const name of DISTANCE_NAMES) {
    it(`${name}: equals a naive scan on random data, across block sizes`, async () => {
      const dim = 7;
      const data = randomVectors(150, dim, 101);
      const queries = randomVectors(13, dim, 102);
      const ids = Array.from({ length: 150 }, (_, i) => 1000 - 3 * i);
      const entries: Entry[] = rowsOf(data, dim).map((vector, i) => ({ id: ids[i]!, vector }));
      const want = rowsOf(queries, dim).map((q) => naiveScan(entries, 9, (v) => referenceDistance(name, q, v)));
      for (const [queryBlock, keyBlock] of [
        [64, 1024],
        [4, 16],
        [5, 7],
        [1, 1],
      ] as const) {
        const s = new LinearSearch({ distance: name, dim, queryBlock, keyBlock });
        await s.add(ids, batch(data, dim));
        const got = await s.lookup(batch(queries, dim), 9);
        got.forEach((r, q) => {
          expect(Array.from(r.ids)).toEqual(Array.from(want[q]!.ids));
          expectClose(r.distances, want[q]!.distances, 5);
        });
      }
    });
  }
});
