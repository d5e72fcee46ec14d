import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiSimilarityLoss, TripletLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, scalarOf, useCpu } from './helpers.js';

beforeAll(useCpu);

describe('loss input checks', () => {
  const loss = new TripletLoss();
  const e = () => tf.tensor2d(HAND_EMBEDDINGS);

  it('accepts labels as [B] int32, [B, 1] float32 and plain arrays, with the same value', () => {
    const a = scalarOf(() => loss.call(tf.tensor1d(HAND_LABELS, 'int32'), e()));
    const b = scalarOf(() => loss.call(tf.tensor2d(HAND_LABELS, [4, 1]), e()));
    const c = scalarOf(() => loss.call(HAND_LABELS, e()));
    const d = scalarOf(() => loss.call(Int32Array.from(HAND_LABELS), e()));
    expect([b, c, d]).toEqual([a, a, a]);
  });

  it('perSample gives the per-anchor losses whose mean is call', () => {
    const per = tf.tidy(() => Array.from(loss.perSample(HAND_LABELS, e()).dataSync()));
    expect(per.length).toBe(4);
    expectClose(
      per.reduce((s, v) => s + v, 0) / 4,
      scalarOf(() => loss.call(HAND_LABELS, e())),
    );
  });

  it('asLossFn takes targets tiled to the output shape, as tfjs-layers passes them', () => {
    const fn = loss.asLossFn();
    const tiled = tf.tensor2d(
      HAND_LABELS.flatMap((l) => [l, l]),
      [4, 2],
    );
    const per = tf.tidy(() => Array.from(fn(tiled, e()).dataSync()));
    const direct = tf.tidy(() => Array.from(loss.perSample(HAND_LABELS, e()).dataSync()));
    expect(per).toEqual(direct);
  });

  it('rejects bad embeddings', async () => {
    await expectCode(() => loss.call(HAND_LABELS, tf.tensor1d([1, 2, 3, 4]) as never), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(HAND_LABELS, tf.tensor3d([1, 2, 3, 4], [4, 1, 1]) as never), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(HAND_LABELS, tf.tensor2d([1, 2, 3, 4], [4, 1], 'int32')), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call([], tf.zeros([0, 2]) as tf.Tensor2D), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(HAND_LABELS, HAND_EMBEDDINGS as never), 'INVALID_ARGUMENT');
  });

  it('rejects bad labels', async () => {
    await expectCode(() => loss.call(tf.tensor1d([0, 0, 1], 'int32'), e()), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.call([0, 0, 1, 1, 1], e()), 'DIMENSION_MISMATCH');
    await expectCode(() => loss.call(tf.tensor2d([0, 0, 1, 1, 0, 0, 1, 1], [4, 2]), e()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(tf.tensor1d([0, 0.5, 1, 1]), e()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(tf.tensor1d([0, Number.NaN, 1, 1]), e()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call(tf.tensor1d([true, false, true, false], 'bool'), e()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.call('0011' as never, e()), 'INVALID_ARGUMENT');
    await expectCode(() => loss.asLossFn()(tf.tensor2d([0, 1, 0, 0, 1, 1, 1, 1], [4, 2]), e()), 'INVALID_ARGUMENT');
  });

  it('rejects embeddings whose width the distance cannot use', async () => {
    // squared_euclidean pairwise is computed on [B, D] × [B, D]; a [B, 0] batch is refused up front.
    await expectCode(
      () => new MultiSimilarityLoss().call(HAND_LABELS, tf.zeros([4, 0]) as tf.Tensor2D),
      'INVALID_ARGUMENT',
    );
  });
});
