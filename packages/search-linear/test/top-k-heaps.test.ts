import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopKHeaps } from '../src/top-k-heaps.js';

function drain(heaps: TopKHeaps, h: number): { keys: number[]; distances: number[] } {
  const keys = new Int32Array(heaps.size(h));
  const distances = new Float32Array(keys.length);
  heaps.drain(h, keys, distances);
  return { keys: Array.from(keys), distances: Array.from(distances) };
}

describe('TopKHeaps', () => {
  it('keeps the k smallest, ties by key, sorted ascending', () => {
    const heaps = new TopKHeaps();
    heaps.reset(1, 3);
    // keys 0..5 at distances 4, 1, 4, 0, 1, 9 → the three smallest: key 3 (0), key 1 (1), key 4 (1).
    heaps.offer(0, Float32Array.from([4, 1, 4, 0, 1, 9]), 0, 6, 0, null);
    expect(drain(heaps, 0)).toEqual({ keys: [3, 1, 4], distances: [0, 1, 1] });
  });

  it('skips masked keys', () => {
    const heaps = new TopKHeaps();
    heaps.reset(1, 2);
    // Mask drops keys 3 and 4: of 4, 1, 4, 9 the two smallest are key 1 (1), then key 0 (4) before key 2 (4).
    const mask = Uint8Array.from([1, 1, 1, 0, 0, 1]);
    heaps.offer(0, Float32Array.from([4, 1, 4, 0, 1, 9]), 0, 6, 0, mask);
    expect(drain(heaps, 0)).toEqual({ keys: [1, 0], distances: [1, 4] });
  });

  it('equals a stable sort for any chunking, mask and k (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (values, k, chunk, maskBits) => {
          const n = values.length;
          const mask = Uint8Array.from({ length: n }, (_, i) => ((maskBits >>> (i % 31)) & 1) | (i % 3 === 0 ? 1 : 0));
          const heaps = new TopKHeaps();
          // Two heaps side by side: heap 1 gets the data, heap 0 stays empty and must not be disturbed.
          heaps.reset(2, k);
          const block = new Float32Array(2 * n);
          block.set(values, n);
          for (let from = 0; from < n; from += chunk) {
            heaps.offer(1, block, n + from, Math.min(chunk, n - from), from, mask);
          }
          const want = values
            .map((d, key) => ({ d, key }))
            .filter(({ key }) => mask[key] === 1)
            .sort((a, b) => a.d - b.d)
            .slice(0, k);
          expect(heaps.size(0)).toBe(0);
          expect(drain(heaps, 1)).toEqual({ keys: want.map((w) => w.key), distances: want.map((w) => w.d) });
        },
      ),
      { numRuns: 300 },
    );
  });
});
