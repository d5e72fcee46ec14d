import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CosineDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('CosineDistance', () => {
  const cosine = new CosineDistance();

  it('is max(1 − q·k, 0) on unit vectors', () => {
    // [1,0]·[0,1] = 0 → 1 − 0 = 1
    expect(cosine.compute(f32(1, 0), f32(0, 1))).toBe(1);
    // [1,0]·[−1,0] = −1 → 1 − (−1) = 2
    expect(cosine.compute(f32(1, 0), f32(-1, 0))).toBe(2);
    // [0.6,0.8]·[0.8,0.6] = 0.48 + 0.48 = 0.96 → 0.04
    expect(cosine.compute(f32(0.6, 0.8), f32(0.8, 0.6))).toBeCloseTo(0.04, 6);
    // identical unit vectors: 1 − 1 = 0
    expect(cosine.compute(f32(0, 1), f32(0, 1))).toBe(0);
  });

  it('uses vectors as given and clamps at 0', () => {
    // [1,0]·[2,0] = 2 → 1 − 2 = −1 → clamped to 0
    expect(cosine.compute(f32(1, 0), f32(2, 0))).toBe(0);
    // [0.5,0]·[1,0] = 0.5 → 0.5 (no normalisation inside the distance)
    expect(cosine.compute(f32(0.5, 0), f32(1, 0))).toBe(0.5);
  });

  it('asks callers to normalise', () => {
    expect(cosine.normalize).toBe(true);
    expect(cosine.name).toBe('cosine');
  });

  it('batches every query against every key, row-major', () => {
    // queries [1,0], [0,1]; keys [1,0], [0,1], [2,0]
    // row 0: 1−1=0, 1−0=1, 1−2=−1→0 ; row 1: 1−0=1, 1−1=0, 1−0=1
    const out = cosine.batch(rows([1, 0], [0, 1]), rows([1, 0], [0, 1], [2, 0]), 2);
    expect(Array.from(out)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('computes the same values as a tensor op', () => {
    const a = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const b = tf.tensor2d([
      [1, 0],
      [0, 1],
      [2, 0],
    ]);
    expect(values(cosine.pairwise(a, b))).toEqual([0, 1, 0, 1, 0, 1]);
  });
});
