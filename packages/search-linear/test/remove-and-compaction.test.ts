import { batch } from '@simkit/core';
import { expectCode } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';

/** n copies of the same 2-d vector: every key is at the same distance, so results show insertion order. */
function same(n: number): Float32Array {
  return new Float32Array(n * 2).fill(1);
}

async function order(s: LinearSearch): Promise<number[]> {
  const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 100);
  return Array.from(r!.ids);
}

describe('LinearSearch remove and compaction', () => {
  it('keeps insertion order across removals, compaction and re-adds', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    await s.add([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], batch(same(10), 2));
    await s.remove([2, 5, 7]);
    expect(s.size()).toBe(7);
    expect(await order(s)).toEqual([0, 1, 3, 4, 6, 8, 9]);
    // Now 7 of the 10 slots are removed: more than half, so the slots are compacted.
    await s.remove([0, 1, 3, 4]);
    expect(s.size()).toBe(3);
    expect(await order(s)).toEqual([6, 8, 9]);
    // A removed id that comes back is new: it goes last. A present id keeps its place.
    await s.add([2, 8], batch(same(2), 2));
    expect(await order(s)).toEqual([6, 8, 9, 2]);
    await s.add([10, 11], batch(same(2), 2));
    expect(await order(s)).toEqual([6, 8, 9, 2, 10, 11]);
  });

  it('keeps each id with its own vector after compaction', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    // id i holds (i, 0); from (0, 0) its distance is i.
    const n = 300;
    await s.add(
      Array.from({ length: n }, (_, i) => i),
      batch(
        Float32Array.from({ length: 2 * n }, (_, j) => (j % 2 === 0 ? j / 2 : 0)),
        2,
      ),
    );
    const removed = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);
    await s.remove(removed.slice(0, 100));
    await s.remove(removed.slice(100));
    expect(s.size()).toBe(100);
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 5);
    // Remaining ids are the multiples of 3: 0, 3, 6, 9, 12 at distances 0, 3, 6, 9, 12.
    expect(Array.from(r!.ids)).toEqual([0, 3, 6, 9, 12]);
    expect(Array.from(r!.distances)).toEqual([0, 3, 6, 9, 12]);
    // Re-adding after the shrink still works and lands last among equals.
    await s.add([1], batch(Float32Array.from([3, 0]), 2));
    const [r2] = await s.lookup(batch(Float32Array.from([3, 0]), 2), 3);
    // (3,0) holds id 3 (inserted first) and now id 1: both at 0; then 0 and 6 at 3 — 0 was inserted first.
    expect(Array.from(r2!.ids)).toEqual([3, 1, 0]);
  });

  it('removing everything leaves an empty, usable index', async () => {
    const s = new LinearSearch({ distance: 'euclidean', dim: 2 });
    await s.add([4, 5], batch(same(2), 2));
    await s.remove([5, 4]);
    expect(s.size()).toBe(0);
    expect(await order(s)).toEqual([]);
    await s.add([5], batch(same(1), 2));
    expect(await order(s)).toEqual([5]);
  });

  it('fails with NOT_FOUND for an unknown id and removes nothing', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    await expectCode(() => s.remove([0]), 'NOT_FOUND');
    await s.add([0, 1, 2], batch(same(3), 2));
    const e = await expectCode(() => s.remove([0, 1, 42]), 'NOT_FOUND');
    expect(e.message).toContain('42');
    expect(s.size()).toBe(3);
    expect(await order(s)).toEqual([0, 1, 2]);
  });

  it('rejects ids that are not ids, and accepts an empty list', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    await s.add([0], batch(same(1), 2));
    await expectCode(() => s.remove([-1]), 'INVALID_ARGUMENT');
    await expectCode(() => s.remove([0.5]), 'INVALID_ARGUMENT');
    await expectCode(() => s.remove(null as unknown as number[]), 'INVALID_ARGUMENT');
    await s.remove([]);
    expect(s.size()).toBe(1);
  });
});
