import { batch } from '@simkit/core';
import { withTempDir } from '@simkit/core/testing';
import { describe, expect, it } from 'vitest';
import { LinearSearch } from '../src/index.js';
import { expectClose } from './naive-scan.js';

describe('LinearSearch cosine normalisation', () => {
  it('compares unit-normalised copies and leaves the caller’s arrays untouched', async () => {
    const s = new LinearSearch({ distance: 'cosine' });
    const keys = Float32Array.from([3, 4, 0, 2]);
    const query = Float32Array.from([10, 0]);
    await s.add([0, 1], batch(keys, 2));
    const [r] = await s.lookup(batch(query, 2), 2);
    // q̂ = (1, 0). Key 0: (3,4)/5 = (0.6, 0.8) → 1 − 0.6 = 0.4. Key 1: (0,2)/2 = (0, 1) → 1 − 0 = 1.
    expect(Array.from(r!.ids)).toEqual([0, 1]);
    expect(r!.distances[0]).toBeCloseTo(0.4, 6);
    expect(r!.distances[1]).toBeCloseTo(1, 6);
    expect(Array.from(keys)).toEqual([3, 4, 0, 2]);
    expect(Array.from(query)).toEqual([10, 0]);
  });

  it('gives the same result for a query at any length', async () => {
    const s = new LinearSearch({ distance: 'cosine' });
    await s.add([0, 1, 2], batch(Float32Array.from([1, 1, -1, 2, 5, -1]), 2));
    const short = await s.lookup(batch(Float32Array.from([0.3, 0.1]), 2), 3);
    // (3, 1) = 10 × (0.3, 0.1): the same direction.
    const long = await s.lookup(batch(Float32Array.from([3, 1]), 2), 3);
    expect(Array.from(long[0]!.ids)).toEqual(Array.from(short[0]!.ids));
    expectClose(long[0]!.distances, short[0]!.distances, 6);
  });

  it('scores a zero vector at distance 1 (it stays zero, so q̂·0 = 0)', async () => {
    const s = new LinearSearch({ distance: 'cosine' });
    await s.add([0, 1], batch(Float32Array.from([0, 0, 1, 0]), 2));
    const [r] = await s.lookup(batch(Float32Array.from([2, 0]), 2), 2);
    // Key 1: (1,0)·(1,0) = 1 → 0. Key 0: zero vector → 1 − 0 = 1.
    expect(Array.from(r!.ids)).toEqual([1, 0]);
    expect(Array.from(r!.distances)).toEqual([0, 1]);
  });

  it('keeps the normalised vectors through save and load', async () => {
    const s = new LinearSearch({ distance: 'cosine' });
    await s.add([0, 1], batch(Float32Array.from([3, 4, 0, 2]), 2));
    const q = batch(Float32Array.from([1, 0]), 2);
    const before = await s.lookup(q, 2);
    await withTempDir(async (dir) => {
      await s.save(dir);
      const t = new LinearSearch({ distance: 'cosine' });
      await t.load(dir);
      const after = await t.lookup(q, 2);
      expect(Array.from(after[0]!.ids)).toEqual(Array.from(before[0]!.ids));
      expect(Array.from(after[0]!.distances)).toEqual(Array.from(before[0]!.distances));
    });
  });

  it('does not normalise for the other distances (deviation from TensorFlow Similarity)', async () => {
    const s = new LinearSearch({ distance: 'euclidean' });
    await s.add([0], batch(Float32Array.from([3, 4]), 2));
    const [r] = await s.lookup(batch(Float32Array.from([0, 0]), 2), 1);
    // |(3, 4) − (0, 0)| = √(9 + 16) = 5; normalised it would be 1.
    expect(r!.distances[0]).toBe(5);
  });
});
