import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTANCE_NAMES, resolveDistance } from '../src/index.js';
import { f32, rows, useCpuBackend } from './helpers.js';

beforeAll(useCpuBackend);

describe.each(DISTANCE_NAMES.map((n) => [n]))('%s input checks', (name) => {
  const d = resolveDistance(name);

  it('compute wants two Float32Arrays of the same non-zero length', async () => {
    await expectCode(() => d.compute([1, 2] as unknown as Float32Array, f32(1, 2)), 'INVALID_ARGUMENT');
    await expectCode(() => d.compute(f32(1, 2), undefined as unknown as Float32Array), 'INVALID_ARGUMENT');
    await expectCode(() => d.compute(f32(1, 2), f32(1, 2, 3)), 'DIMENSION_MISMATCH');
    await expectCode(() => d.compute(f32(), f32()), 'INVALID_ARGUMENT');
  });

  it('compute rejects NaN and Infinity', async () => {
    await expectCode(() => d.compute(f32(1, Number.NaN, 3), f32(1, 2, 3)), 'INVALID_ARGUMENT');
    await expectCode(() => d.compute(f32(1, 2, 3), f32(Number.NEGATIVE_INFINITY, 2, 3)), 'INVALID_ARGUMENT');
  });

  it('batch checks types, dim, row lengths and out', async () => {
    const q = rows([1, 2, 3], [3, 1, 2]);
    await expectCode(() => d.batch([1, 2, 3] as unknown as Float32Array, q, 3), 'INVALID_ARGUMENT');
    await expectCode(() => d.batch(q, q, 0), 'INVALID_ARGUMENT');
    await expectCode(() => d.batch(q, q, 1.5), 'INVALID_ARGUMENT');
    await expectCode(() => d.batch(q, q, 4), 'DIMENSION_MISMATCH');
    await expectCode(() => d.batch(q, f32(1, 2), 3), 'DIMENSION_MISMATCH');
    // 2 queries × 2 keys need 4 output values
    await expectCode(() => d.batch(q, q, 3, new Float32Array(3)), 'INVALID_ARGUMENT');
  });

  it('batch names the row holding NaN or Infinity', async () => {
    const keys = rows([1, 2, 3], [3, 1, 2], [2, Number.NaN, 1]);
    const e = await expectCode(() => d.batch(rows([1, 2, 3]), keys, 3), 'INVALID_ARGUMENT');
    expect(e.details?.keyRow).toBe(2);
    const f = await expectCode(
      () =>
        d.batch(rows([1, 2, 3], [1, 3, 2], [2, 1, 3], [3, 2, 1], [0, Number.POSITIVE_INFINITY, 1]), rows([1, 2, 3]), 3),
      'INVALID_ARGUMENT',
    );
    expect(f.details?.queryRow).toBe(4);
  });

  it('batch writes into out when given and returns it; a larger out is fine', () => {
    const q = rows([1, 2, 3], [3, 1, 2]);
    const out = new Float32Array(5).fill(-7);
    expect(d.batch(q, q, 3, out)).toBe(out);
    // the first 2 × 2 values are results, the rest is untouched
    expect(out[4]).toBe(-7);
    expect(Array.from(out.subarray(0, 4))).toEqual(Array.from(d.batch(q, q, 3)));
  });

  it('batch of no queries or no keys is empty', () => {
    expect(d.batch(new Float32Array(0), rows([1, 2, 3]), 3).length).toBe(0);
    expect(d.batch(rows([1, 2, 3]), new Float32Array(0), 3).length).toBe(0);
  });

  it('pairwise wants float32 rank-2 tensors with equal columns', async () => {
    const a = tf.tensor2d([[1, 2, 3]]);
    await expectCode(() => d.pairwise(tf.tensor1d([1, 2, 3]) as unknown as tf.Tensor2D, a), 'INVALID_ARGUMENT');
    await expectCode(() => d.pairwise(a, tf.tensor2d([[1, 2, 3]], [1, 3], 'int32')), 'INVALID_ARGUMENT');
    await expectCode(() => d.pairwise(a, [[1, 2, 3]] as unknown as tf.Tensor2D), 'INVALID_ARGUMENT');
    await expectCode(() => d.pairwise(a, tf.tensor2d([[1, 2]])), 'DIMENSION_MISMATCH');
  });
});
