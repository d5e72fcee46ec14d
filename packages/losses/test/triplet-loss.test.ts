import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TripletLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, randomBatch, scalarOf, softplus, useCpu } from './helpers.js';
import { refTriplet } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: TripletLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

describe('TripletLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new TripletLoss();
    expect(loss.name).toBe('triplet_loss');
    expect(loss.distance.name).toBe('cosine');
    expect(loss.positiveMining).toBe('hard');
    expect(loss.negativeMining).toBe('semi-hard');
    expect(loss.margin).toBeNull();
    expect(loss.softMargin).toBe(true);
  });

  it('hard positive, semi-hard negative, soft margin on the hand-worked batch', () => {
    // Rows of d (see helpers): d0 = [0, .4, 1, 1.6], d1 = [.4, 0, .2, .72], d2 = [1, .2, 0, .2], d3 = [1.6, .72, .2, 0].
    // anchor 0: pos .4; negatives > .4: {1, 1.6} → 1;    softplus(.4 − 1)  = softplus(−.6)  ≈ 0.437488
    // anchor 1: pos .4; negatives > .4: {.72} → .72;     softplus(.4 − .72) = softplus(−.32) ≈ 0.545893
    // anchor 2: pos .2; negatives > .2: {1} → 1;         softplus(.2 − 1)  = softplus(−.8)  ≈ 0.371101
    // anchor 3: pos .2; negatives > .2: {1.6, .72} → .72; softplus(.2 − .72) = softplus(−.52) ≈ 0.466573
    // mean ≈ 1.821055 / 4 ≈ 0.455264
    const expected = (softplus(-0.6) + softplus(-0.32) + softplus(-0.8) + softplus(-0.52)) / 4;
    expectClose(value(new TripletLoss(), HAND_EMBEDDINGS, HAND_LABELS), expected);
    expectClose(expected, 0.455264, 0, 1e-6);
  });

  it('hard negative with margin 1 on the hand-worked batch', () => {
    // anchor 0: max(.4 − 1 + 1, 0) = .4;   anchor 1: hardest negative .2 → .4 − .2 + 1 = 1.2
    // anchor 2: hardest negative .2 → .2 − .2 + 1 = 1;   anchor 3: hardest negative .72 → .2 − .72 + 1 = .48
    // mean = (.4 + 1.2 + 1 + .48) / 4 = 3.08 / 4 = 0.77
    const loss = new TripletLoss({ negativeMining: 'hard', margin: 1 });
    expectClose(value(loss, HAND_EMBEDDINGS, HAND_LABELS), 0.77);
    // softMargin: false without a margin means margin 1.
    expectClose(
      value(new TripletLoss({ negativeMining: 'hard', softMargin: false }), HAND_EMBEDDINGS, HAND_LABELS),
      0.77,
    );
  });

  it('easy negative with margin 1 on the hand-worked batch', () => {
    // Farthest negatives: anchor 0 → 1.6, 1 → .72, 2 → 1, 3 → 1.6.
    // max(.4 − 1.6 + 1, 0) = 0; max(.4 − .72 + 1, 0) = .68; max(.2 − 1 + 1, 0) = .2; max(.2 − 1.6 + 1, 0) = 0
    // mean = (0 + .68 + .2 + 0) / 4 = 0.22
    expectClose(value(new TripletLoss({ negativeMining: 'easy', margin: 1 }), HAND_EMBEDDINGS, HAND_LABELS), 0.22);
  });

  it('falls back to the farthest negative and keeps anchors without positives, as TF Similarity does', () => {
    // e0 = (1, 0) and e1 = (−1, 0) in class 0, e2 = (0, 1) in class 1.
    // d01 = 2, d02 = d12 = 1. Anchors 0 and 1: positive 2, no negative farther → fallback 1 → softplus(1).
    // Anchor 2 has no positive: masked_max gives min(row) − 1e-6 = d22 − 1e-6 = −1e-6; every negative is
    // farther, the nearest is 1 → softplus(−1e-6 − 1).
    // mean = (2·softplus(1) + softplus(−1.000001)) / 3 ≈ (2·1.313262 + 0.313261) / 3 ≈ 0.979928
    const expected = (2 * softplus(1) + softplus(-1.000001)) / 3;
    expectClose(
      value(
        new TripletLoss(),
        [
          [1, 0],
          [-1, 0],
          [0, 1],
        ],
        [0, 0, 1],
      ),
      expected,
    );
  });

  it('matches the plain-JS reference for every mining strategy', () => {
    const strategies = [
      ['hard', 'hard'],
      ['hard', 'semi-hard'],
      ['hard', 'easy'],
      ['easy', 'hard'],
      ['easy', 'semi-hard'],
      ['easy', 'easy'],
    ] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(...strategies),
        fc.constantFrom(null, 0.5, 1),
        (seed, rows, classes, [pm, nm], margin) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes);
          const loss = new TripletLoss({ positiveMining: pm, negativeMining: nm, margin });
          const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(embeddings)).arraySync());
          expectClose(value(loss, embeddings, labels), refTriplet(labels, d, pm, nm, margin), 1e-5, 1e-5);
        },
      ),
      { seed: 7, numRuns: 60 },
    );
  });

  it('round-trips its config', () => {
    const loss = new TripletLoss({
      positiveMining: 'easy',
      negativeMining: 'hard',
      margin: 0.3,
      distance: 'l2',
      name: 't',
    });
    const config = loss.toConfig();
    expect(config).toEqual({
      type: 'triplet-loss',
      version: 1,
      package: '@simkit/losses',
      config: { name: 't', distance: 'euclidean', positiveMining: 'easy', negativeMining: 'hard', margin: 0.3 },
    });
    const back = TripletLoss.fromConfig(JSON.parse(JSON.stringify(config)));
    expect(back.toConfig()).toEqual(config);
  });

  it('rejects bad options with stable codes', async () => {
    await expectCode(() => new TripletLoss({ positiveMining: 'semi-hard' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new TripletLoss({ negativeMining: 'hardest' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new TripletLoss({ margin: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new TripletLoss({ margin: 1, softMargin: true }), 'INVALID_ARGUMENT');
    await expectCode(() => new TripletLoss({ softMargin: 'yes' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new TripletLoss({ distance: 'chebyshev' }), 'INVALID_ARGUMENT');
    await expectCode(() => TripletLoss.fromConfig({ type: 'circle-loss', version: 1, config: {} }), 'INVALID_ARGUMENT');
    await expectCode(() => TripletLoss.fromConfig({ type: 'triplet-loss', version: 2, config: {} }), 'UNSUPPORTED');
  });
});
