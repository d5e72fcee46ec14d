import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManhattanDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('ManhattanDistance', () => {
  const l1 = new ManhattanDistance();

  it('is Σ|q−k|', () => {
    // [1,2,3] → [4,0,3]: 3 + 2 + 0 = 5
    expect(l1.compute(f32(1, 2, 3), f32(4, 0, 3))).toBe(5);
    // [−1,2] → [1,−2]: 2 + 4 = 6
    expect(l1.compute(f32(-1, 2), f32(1, -2))).toBe(6);
    expect(l1.compute(f32(9, 9), f32(9, 9))).toBe(0);
  });

  it('batches and pairs alike', () => {
    // queries [0,0], [1,1]; keys [1,2], [−1,0]
    // [0,0]: 1+2 = 3, 1+0 = 1; [1,1]: 0+1 = 1, 2+1 = 3
    expect(Array.from(l1.batch(rows([0, 0], [1, 1]), rows([1, 2], [-1, 0]), 2))).toEqual([3, 1, 1, 3]);
    const a = tf.tensor2d([
      [0, 0],
      [1, 1],
    ]);
    const b = tf.tensor2d([
      [1, 2],
      [-1, 0],
    ]);
    expect(values(l1.pairwise(a, b))).toEqual([3, 1, 1, 3]);
  });
});
