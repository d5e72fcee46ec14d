import '../src/tensor.js';
import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISTANCE_NAMES, resolveDistance } from '../src/index.js';
import { useCpuBackend } from './helpers.js';

beforeAll(useCpuBackend);

describe.each(DISTANCE_NAMES.map((n) => [n]))('%s with disposed tensors and oversized batches', (name) => {
  const d = resolveDistance(name);

  it('pairwise of a disposed tensor is INVALID_ARGUMENT ("disposed"), not a raw tfjs error', async () => {
    const live = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    const gone = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    gone.dispose();
    const before = tf.memory().numTensors;
    const a = await expectCode(() => d.pairwise(gone, live), 'INVALID_ARGUMENT');
    expect(a.message).toContain('disposed');
    await expectCode(() => d.pairwise(live, gone), 'INVALID_ARGUMENT');
    expect(tf.memory().numTensors).toBe(before);
    live.dispose();
  });

  it('a batch whose output cannot be allocated is INVALID_ARGUMENT, not a RangeError', async () => {
    // 2^17 queries × 2^17 keys of dim 1 = 2^34 outputs, more than one Float32Array holds
    const big = new Float32Array(2 ** 17);
    await expectCode(() => d.batch(big, big, 1), 'INVALID_ARGUMENT');
  });
});
