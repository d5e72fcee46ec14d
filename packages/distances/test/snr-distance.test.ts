import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SNRDistance } from '../src/index.js';
import { f32, rows, useCpuBackend, values } from './helpers.js';

beforeAll(useCpuBackend);

describe('SNRDistance', () => {
  const snr = new SNRDistance();

  it('is var(q−k) / var(q) with population variance, anchored on the query', () => {
    // q = [1,2,3,4]: mean 2.5, var = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    // k = [1,2,3,5]: q − k = [0,0,0,−1], mean −0.25, var = (3 · 0.0625 + 0.5625) / 4 = 0.1875
    // SNR(q, k) = 0.1875 / 1.25 = 0.15
    expect(snr.compute(f32(1, 2, 3, 4), f32(1, 2, 3, 5))).toBeCloseTo(0.15, 12);
    // anchored on k = [1,2,3,5]: mean 2.75, var = (3.0625 + 0.5625 + 0.0625 + 5.0625) / 4 = 2.1875
    // SNR(k, q) = 0.1875 / 2.1875 = 3/35 — not symmetric
    expect(snr.compute(f32(1, 2, 3, 5), f32(1, 2, 3, 4))).toBeCloseTo(3 / 35, 12);
  });

  it('is 0 for a shifted copy and 1 against a constant key', () => {
    // k = q + 10: q − k = [−10, −10, −10], variance 0
    expect(snr.compute(f32(1, 2, 4), f32(11, 12, 14))).toBe(0);
    // k = [7,7,7]: var(q − 7) = var(q) → ratio 1
    expect(snr.compute(f32(1, 2, 4), f32(7, 7, 7))).toBeCloseTo(1, 12);
  });

  it('batches and pairs alike', () => {
    // queries [1,2,3,4], [1,2,3,5]; keys [1,2,3,5], [7,7,7,7]
    // row 0: 0.15 (above), 1 (constant key); row 1: itself → 0, constant key → 1
    const q = rows([1, 2, 3, 4], [1, 2, 3, 5]);
    const k = rows([1, 2, 3, 5], [7, 7, 7, 7]);
    const expected = [0.15, 1, 0, 1];
    const out = snr.batch(q, k, 4);
    for (const [i, e] of expected.entries()) expect(out[i]).toBeCloseTo(e, 6);
    const p = values(snr.pairwise(tf.tensor2d(q, [2, 4]), tf.tensor2d(k, [2, 4])));
    for (const [i, e] of expected.entries()) expect(p[i]).toBeCloseTo(e, 5);
  });

  it('rejects a constant query (zero variance) in compute, batch and pairwise', async () => {
    await expectCode(() => snr.compute(f32(3, 3, 3), f32(1, 2, 3)), 'INVALID_ARGUMENT');
    // the constant row is query row 1
    const e = await expectCode(() => snr.batch(rows([1, 2, 3], [5, 5, 5]), rows([1, 2, 3]), 3), 'INVALID_ARGUMENT');
    expect(e.details?.row).toBe(1);
    expect(e.message).toContain('constant');
    await expectCode(() => snr.pairwise(tf.tensor2d([[2, 2]]), tf.tensor2d([[1, 2]])), 'INVALID_ARGUMENT');
  });

  it('writes nothing to out when a query is constant', async () => {
    const out = new Float32Array([-1, -1]);
    await expectCode(() => snr.batch(rows([1, 2], [4, 4]), f32(0, 1), 2, out), 'INVALID_ARGUMENT');
    expect(Array.from(out)).toEqual([-1, -1]);
  });
});
