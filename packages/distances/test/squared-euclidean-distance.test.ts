import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SquaredEuclideanDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('SquaredEuclideanDistance', () => {
  const sq = new SquaredEuclideanDistance();

  it('is Σ(q−k)²', () => {
    // [0,0] → [3,4]: 9 + 16 = 25
    expect(sq.compute(f32(0, 0), f32(3, 4))).toBe(25);
    // [1,2] → [2,4]: 1 + 4 = 5
    expect(sq.compute(f32(1, 2), f32(2, 4))).toBe(5);
    // [−1.5] → [1.5]: 3² = 9
    expect(sq.compute(f32(-1.5), f32(1.5))).toBe(9);
  });

  it('is 0, never negative, for identical and near-identical vectors', () => {
    const v = f32(123.456, -0.001, 77);
    expect(sq.compute(v, v)).toBe(0);
    // float32 spacing at 1000 is 2^-14, so Math.fround(1000.001) − 1000 = 16 · 2^-14 and its square is 2^-20.
    expect(sq.compute(f32(1000, 1000), f32(1000.001, 1000))).toBe(2 ** -20);
    const out = sq.batch(rows([1000, 1000], [5, 5]), rows([1000.001, 1000], [5, 5]), 2);
    // row 0: 2^-20, (995² + 995²) = 1980050; row 1: (995.001² + 995²) ≈ 1980051.95, 0
    expect(out[0]).toBe(2 ** -20);
    expect(out[1]).toBe(1980050);
    expect(out[3]).toBe(0);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
  });

  it('pairwise matches hand values', () => {
    // [1,2] → [2,4] = 5, [1,2] → [1,2] = 0
    const p = values(
      sq.pairwise(
        tf.tensor2d([[1, 2]]),
        tf.tensor2d([
          [2, 4],
          [1, 2],
        ]),
      ),
    );
    expect(p).toEqual([5, 0]);
  });
});
