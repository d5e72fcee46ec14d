import { expectCode } from '@simkit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SoftNearestNeighborLoss } from '../src/index.js';
import { expectClose, HAND_EMBEDDINGS, HAND_LABELS, randomBatch, scalarOf, useCpu } from './helpers.js';
import { refSoftNN, sqL2Matrix } from './reference-losses.js';

beforeAll(useCpu);

function value(loss: SoftNearestNeighborLoss, embeddings: number[][], labels: number[]): number {
  return scalarOf(() => loss.call(tf.tensor1d(labels, 'int32'), tf.tensor2d(embeddings)));
}

describe('SoftNearestNeighborLoss', () => {
  it('has the TF Similarity defaults', () => {
    const loss = new SoftNearestNeighborLoss();
    expect(loss.name).toBe('soft_nn_loss');
    expect(loss.distance.name).toBe('squared_euclidean');
    expect(loss.temperature).toBe(1);
  });

  it('compares same-class and all neighbours on the hand-worked batch', () => {
    // For unit vectors, squared euclidean = 2 − 2·cos = 2·(cosine distance):
    //   d0 = [0, .8, 2, 3.2], d1 = [.8, 0, .4, 1.44], d2 = [2, .4, 0, .4], d3 = [3.2, 1.44, .4, 0].
    // anchor 0: −ln(e^−.8 / (e^−.8 + e^−2 + e^−3.2))    ≈ 0.330678
    // anchor 1: −ln(e^−.8 / (e^−.8 + e^−.4 + e^−1.44))  ≈ 1.104964
    // anchor 2: −ln(e^−.4 / (e^−2 + e^−.4 + e^−.4))     ≈ 0.789319
    // anchor 3: −ln(e^−.4 / (e^−3.2 + e^−1.44 + e^−.4)) ≈ 0.346610
    // mean ≈ 2.571572 / 4 ≈ 0.642893 (the 1e-9 inside the log is below float32 resolution here)
    const e = Math.exp;
    const expected =
      (-Math.log(e(-0.8) / (e(-0.8) + e(-2) + e(-3.2))) -
        Math.log(e(-0.8) / (e(-0.8) + e(-0.4) + e(-1.44))) -
        Math.log(e(-0.4) / (e(-2) + e(-0.4) + e(-0.4))) -
        Math.log(e(-0.4) / (e(-3.2) + e(-1.44) + e(-0.4)))) /
      4;
    expectClose(value(new SoftNearestNeighborLoss(), HAND_EMBEDDINGS, HAND_LABELS), expected);
    expectClose(expected, 0.642893, 0, 1e-6);
  });

  it('matches the plain-JS reference, temperature included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0.5, 1, 3),
        (seed, rows, classes, temperature) => {
          const { embeddings, labels } = randomBatch(seed, rows, 3, classes, false);
          const loss = new SoftNearestNeighborLoss({ temperature });
          expectClose(
            value(loss, embeddings, labels),
            refSoftNN(labels, sqL2Matrix(embeddings), temperature),
            1e-5,
            1e-5,
          );
        },
      ),
      { seed: 9, numRuns: 60 },
    );
  });

  it('stays finite where exp(−d/T) underflows, where TF Similarity gives 0/0', () => {
    // Points 0, 1 (class 0) and 100, 101 (class 1) on a line, T = 0.001. Squared distances:
    //   d01 = d23 = 1, d12 = 9801, d02 = d13 = 10000, d03 = 10201; divided by T: ≥ 1000, and e^−1000 = 0 even in float64.
    // TF Similarity: 0 / 0 → NaN (the float64 reference shows it). The true value, per anchor,
    //   −ln(e^−1000 / (e^−1000 + e^−9801000 + …)) = −ln(1 / (1 + ~0)) = 0, is what the shifted form computes.
    const points = [[0], [1], [100], [101]];
    const labels = [0, 0, 1, 1];
    expect(refSoftNN(labels, sqL2Matrix(points), 0.001)).toBeNaN();
    expectClose(value(new SoftNearestNeighborLoss({ temperature: 0.001 }), points, labels), 0, 0, 1e-6);
  });

  it('round-trips its config and rejects bad options', async () => {
    const loss = new SoftNearestNeighborLoss({ temperature: 2, distance: 'cosine' });
    expect(loss.toConfig().config).toEqual({ name: 'soft_nn_loss', distance: 'cosine', temperature: 2 });
    expect(SoftNearestNeighborLoss.fromConfig(loss.toConfig()).toConfig()).toEqual(loss.toConfig());
    await expectCode(() => new SoftNearestNeighborLoss({ temperature: 0 }), 'INVALID_ARGUMENT');
  });
});
