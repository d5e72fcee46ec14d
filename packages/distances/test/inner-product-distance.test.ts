import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InnerProductDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('InnerProductDistance', () => {
  const ip = new InnerProductDistance();

  it('is 1 − q·k, not clamped', () => {
    // [1,2]·[3,4] = 3 + 8 = 11 → 1 − 11 = −10
    expect(ip.compute(f32(1, 2), f32(3, 4))).toBe(-10);
    // [0.5,0.5]·[1,0] = 0.5 → 0.5
    expect(ip.compute(f32(0.5, 0.5), f32(1, 0))).toBe(0.5);
    // [1,0]·[−1,0] = −1 → 2
    expect(ip.compute(f32(1, 0), f32(-1, 0))).toBe(2);
  });

  it('ranks the most similar key first (smaller is closer)', () => {
    // query [1,0]; keys [0.2,0], [0.9,0], [−1,0] → 1 − 0.2 = 0.8, 1 − 0.9 = 0.1, 1 + 1 = 2
    const out = ip.batch(f32(1, 0), rows([0.2, 0], [0.9, 0], [-1, 0]), 2);
    expect(out[0]).toBeCloseTo(0.8, 6);
    expect(out[1]).toBeCloseTo(0.1, 6);
    expect(out[2]).toBe(2);
    expect(out[1]).toBeLessThan(out[0] as number);
  });

  it('pairwise matches hand values', () => {
    // [1,2]·[3,4] = 11 → −10; [1,2]·[1,0] = 1 → 0
    const p = values(
      ip.pairwise(
        tf.tensor2d([[1, 2]]),
        tf.tensor2d([
          [3, 4],
          [1, 0],
        ]),
      ),
    );
    expect(p).toEqual([-10, 0]);
  });
});
