import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, randomBatch, scalarOf, softplus, useCpu } from './helpers.js';
import { refPN } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: PNLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

describe('PNLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new PNLoss();
    expect(loss.name).toBe('pn_loss');
    expect(loss.distance.name).toBe('cosine');
    expect([loss.positiveMining, loss.negativeMining, loss.margin, loss.softMargin]).toEqual([
      'hard',
      'semi-hard',
      null,
      true,
    ]);
  });

  it('uses min(d(anchor, negative), d(positive, negative)) on the hand-worked batch', () => {
    // Mined (positive, negative) per anchor, hard / semi-hard as in the triplet test:
    // anchor 0: p = 1 (.4), n = 2 (1);   d(p, n) = d12 = .2  → neg = min(.2, 1) = .2   → softplus(.4 − .2)  ≈ 0.798139
    // anchor 1: p = 0 (.4), n = 3 (.72); d(p, n) = d03 = 1.6 → neg = .72               → softplus(−.32)     ≈ 0.545893
    // anchor 2: p = 3 (.2), n = 0 (1);   d(p, n) = d30 = 1.6 → neg = 1                 → softplus(−.8)      ≈ 0.371101
    // anchor 3: p = 2 (.2), n = 1 (.72); d(p, n) = d21 = .2  → neg = .2                → softplus(0) = ln 2 ≈ 0.693147
    // mean ≈ 2.408280 / 4 ≈ 0.602070
    const expected = (softplus(0.2) + softplus(-0.32) + softplus(-0.8) + Math.LN2) / 4;
    expectClose(value(new PNLoss(), HAND_EMBEDDINGS, HAND_LABELS), expected);
    expectClose(expected, 0.60207, 0, 1e-6);
  });

  it('matches the plain-JS reference for every mining strategy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('hard', 'easy'),
        fc.constantFrom('hard', 'semi-hard', 'easy'),
        fc.constantFrom(null, 1),
        (seed, rows, classes, pm, nm, margin) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes);
          const loss = new PNLoss({ positiveMining: pm, negativeMining: nm, margin });
          const d = tf.tidy(() => loss.distance.pairwise(tf.tensor2d(embeddings), tf.tensor2d(embeddings)).arraySync());
          expectClose(value(loss, embeddings, labels), refPN(labels, d, pm, nm, margin), 1e-5, 1e-5);
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it('round-trips its config and rejects bad options', async () => {
    const loss = new PNLoss({ negativeMining: 'easy', softMargin: false });
    expect(loss.margin).toBe(1);
    expect(PNLoss.fromConfig(loss.toConfig()).toConfig()).toEqual(loss.toConfig());
    await expectCode(() => new PNLoss({ positiveMining: 'medium' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => new PNLoss({ margin: Number.POSITIVE_INFINITY }), 'INVALID_ARGUMENT');
  });
});
