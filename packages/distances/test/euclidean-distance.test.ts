import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EuclideanDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('EuclideanDistance', () => {
  const euclidean = new EuclideanDistance();

  it('is sqrt(Σ(q−k)²)', () => {
    // [0,0] → [3,4]: sqrt(9 + 16) = 5
    expect(euclidean.compute(f32(0, 0), f32(3, 4))).toBe(5);
    // [1,2,3] → [4,6,3]: differences 3, 4, 0 → sqrt(9 + 16 + 0) = 5
    expect(euclidean.compute(f32(1, 2, 3), f32(4, 6, 3))).toBe(5);
    // [1,1,1,1] → 0: sqrt(4 · 1) = 2
    expect(euclidean.compute(f32(1, 1, 1, 1), f32(0, 0, 0, 0))).toBe(2);
  });

  it('is exactly 0 for identical vectors, in every path', () => {
    const v = f32(0.1, -7.25, 1e6, 3.3);
    expect(euclidean.compute(v, v)).toBe(0);
    expect(euclidean.batch(v, v, 4)[0]).toBe(0);
    expect(values(euclidean.pairwise(tf.tensor2d(v, [1, 4]), tf.tensor2d(v, [1, 4])))).toEqual([0]);
  });

  it('stays accurate for near-duplicates far from the origin', () => {
    // k differs from q by Math.fround(1000.001) − 1000 in one coordinate. float32 spacing at 1000 is
    // 2^-14 ≈ 6.1035e-5, and 0.001 / 2^-14 = 16.38 rounds to 16 steps: the difference is 16 · 2^-14 = 9.765625e-4.
    // The expansion |q|² − 2q·k + |k|² in float32 would cancel 4e6 against 4e6 and lose it all.
    const q = f32(1000, 1000, 1000, 1000);
    const k = f32(1000, 1000, 1000.001, 1000);
    const expected = 16 * 2 ** -14;
    expect(euclidean.compute(q, k)).toBe(expected);
    expect(euclidean.batch(q, k, 4)[0]).toBe(expected);
    const p = values(euclidean.pairwise(tf.tensor2d(q, [1, 4]), tf.tensor2d(k, [1, 4])));
    expect(p[0]).toBe(expected);
  });

  it('batches with blocks and leftovers alike', () => {
    // 5 queries (one block of 4 plus one) × 3 keys (one pair plus one):
    // query i = [i, 0], key j = [0, j] → distance sqrt(i² + j²)
    const q = rows([0, 0], [1, 0], [2, 0], [3, 0], [4, 0]);
    const k = rows([0, 0], [0, 1], [0, 2]);
    const out = euclidean.batch(q, k, 2);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) expect(out[i * 3 + j]).toBe(Math.fround(Math.sqrt(i * i + j * j)));
    }
  });

  it('pairwise matches hand values', () => {
    // [0,0] → [3,4] = 5; [0,0] → [0,0] = 0; [3,4] → [3,4] = 0; [3,4] → [0,0] = 5
    const a = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [3, 4],
      [0, 0],
    ]);
    expect(values(euclidean.pairwise(a, b))).toEqual([5, 0, 0, 5]);
  });
});
