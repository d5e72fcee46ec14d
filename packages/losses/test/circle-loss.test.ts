import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CircleLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, randomBatch, scalarOf, useCpu } from './helpers.js';
import { refCircle } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: CircleLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

describe('CircleLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new CircleLoss();
    expect(loss.name).toBe('circle_loss');
    expect(loss.distance.name).toBe('cosine');
    expect([loss.gamma, loss.margin]).toEqual([80, 0.4]);
  });

  it('weights pairs as TF Similarity on the hand-worked batch', () => {
    // γ = 80, m = .4: positive weight [.4 + d]₊, logit −80·w·(.4 − d); negative weight [1.4 − d]₊, logit 80·w·(.6 − d).
    // A kept pair of weight 0 still adds e^0 = 1 inside the log.
    // anchor 0: pos d=.4 → w .8, logit 0 → ln 2;  neg d=1 → w .4, 80·.4·(−.4) = −12.8; d=1.6 → w 0 → 0.
    //   ln 2 + ln(1 + e^−12.8 + 1) ≈ 1.386296
    // anchor 1: pos d=.4 → ln 2;  neg d=.2 → w 1.2, 80·1.2·.4 = 38.4; d=.72 → w .68, 80·.68·(−.12) = −6.528.
    //   ln 2 + ln(1 + e^38.4 + e^−6.528) ≈ 39.093147
    // anchor 2: pos d=.2 → w .6, −80·.6·.2 = −9.6;  neg d=1 → −12.8; d=.2 → 38.4.
    //   ln(1 + e^−9.6) + ln(1 + e^−12.8 + e^38.4) ≈ 38.400068
    // anchor 3: pos d=.2 → −9.6;  neg d=1.6 → 0; d=.72 → −6.528.
    //   ln(1 + e^−9.6) + ln(2 + e^−6.528) ≈ 0.693946
    // mean ≈ 79.573457 / 4 ≈ 19.893364
    const e = Math.exp;
    const expected =
      (Math.LN2 +
        Math.log(2 + e(-12.8)) +
        Math.LN2 +
        Math.log(1 + e(38.4) + e(-6.528)) +
        Math.log(1 + e(-9.6)) +
        Math.log(1 + e(-12.8) + e(38.4)) +
        Math.log(1 + e(-9.6)) +
        Math.log(2 + e(-6.528))) /
      4;
    expectClose(value(new CircleLoss(), HAND_EMBEDDINGS, HAND_LABELS), expected);
    expectClose(expected, 19.893364, 0, 1e-6);
  });

  it('matches the plain-JS reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(10, 80),
        fc.constantFrom(0.25, 0.4),
        (seed, rows, classes, gamma, margin) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes);
          const loss = new CircleLoss({ gamma, margin });
          const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(embeddings)).arraySync());
          expectClose(value(loss, embeddings, labels), refCircle(labels, d, gamma, margin), 1e-5, 1e-5);
        },
      ),
      { seed: 5, numRuns: 60 },
    );
  });

  it('round-trips its config and rejects bad options', async () => {
    const loss = new CircleLoss({ gamma: 64, margin: 0.25 });
    expect(loss.toConfig().config).toEqual({ name: 'circle_loss', distance: 'cosine', gamma: 64, margin: 0.25 });
    expect(CircleLoss.fromConfig(loss.toConfig()).toConfig()).toEqual(loss.toConfig());
    await expectCode(() => new CircleLoss({ gamma: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new CircleLoss({ margin: '0.4' as never }), 'INVALID_ARGUMENT');
  });
});
