import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiSimilarityLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, randomBatch, scalarOf, useCpu } from './helpers.js';
import { refMultiSimilarity } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: MultiSimilarityLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

describe('MultiSimilarityLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new MultiSimilarityLoss();
    expect(loss.name).toBe('multisim_loss');
    expect(loss.distance.name).toBe('cosine');
    expect([loss.alpha, loss.beta, loss.epsilon, loss.lmda, loss.center]).toEqual([2, 40, 0.1, 0.5, 1]);
  });

  it('mines and weights pairs as TF Similarity on the hand-worked batch', () => {
    // α = 2, β = 40, ε = .1, λ = .5, centre 1 → shifted distance s = d − .5.
    // anchor 0: nearest negative 1 → keep positives > .9; the positive is .4 → none kept → anchor counts 0.
    // anchor 1: nearest negative .2 → positives > .1: {.4}; farthest positive .4 → negatives < .5: {.2}.
    //   p = ln(1 + e^{2(.4 − .5)})/2 = ln(1 + e^−.2)/2 ≈ 0.299069;  n = ln(1 + e^{−40(.2 − .5)})/40 = ln(1 + e^12)/40 ≈ 0.300000
    // anchor 2: nearest negative .2 → positives > .1: {.2}; farthest positive .2 → negatives < .3: {.2}.
    //   p = ln(1 + e^{2(.2 − .5)})/2 = ln(1 + e^−.6)/2 ≈ 0.218744;  n = ln(1 + e^12)/40 ≈ 0.300000
    // anchor 3: nearest negative .72 → positives > .62: the positive is .2 → none → 0.
    // mean ≈ (0.299069 + 0.300000 + 0.218744 + 0.300000) / 4 ≈ 0.279453
    const n = Math.log(1 + Math.exp(12)) / 40;
    const expected = (Math.log(1 + Math.exp(-0.2)) / 2 + n + Math.log(1 + Math.exp(-0.6)) / 2 + n) / 4;
    expectClose(value(new MultiSimilarityLoss(), HAND_EMBEDDINGS, HAND_LABELS), expected);
    expectClose(expected, 0.279453, 0, 1e-6);
  });

  it('matches the plain-JS reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.record({
          alpha: fc.constantFrom(1, 2, 5),
          beta: fc.constantFrom(10, 40, 50),
          epsilon: fc.constantFrom(0, 0.1, 0.5),
          lmda: fc.constantFrom(0.3, 0.5),
          center: fc.constantFrom(0.5, 1),
        }),
        (seed, rows, classes, o) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes);
          const loss = new MultiSimilarityLoss(o);
          const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(embeddings)).arraySync());
          expectClose(value(loss, embeddings, labels), refMultiSimilarity(labels, d, o), 1e-5, 1e-5);
        },
      ),
      { seed: 3, numRuns: 60 },
    );
  });

  it('round-trips its config and rejects bad options', async () => {
    const loss = new MultiSimilarityLoss({
      alpha: 1,
      beta: 20,
      epsilon: 0.2,
      lmda: 0.4,
      center: 0.9,
      distance: 'sql2',
    });
    const config = loss.toConfig();
    expect(config.config).toEqual({
      name: 'multisim_loss',
      distance: 'squared_euclidean',
      alpha: 1,
      beta: 20,
      epsilon: 0.2,
      lmda: 0.4,
      center: 0.9,
    });
    expect(MultiSimilarityLoss.fromConfig(config).toConfig()).toEqual(config);
    await expectCode(() => new MultiSimilarityLoss({ alpha: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiSimilarityLoss({ beta: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiSimilarityLoss({ epsilon: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiSimilarityLoss({ name: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => new MultiSimilarityLoss(null as never), 'INVALID_ARGUMENT');
  });
});
