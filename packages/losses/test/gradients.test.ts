import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  CircleLoss,
  LiftedStructLoss,
  type MetricLoss,
  MultiSimilarityLoss,
  PNLoss,
  SoftNearestNeighborLoss,
  TripletLoss,
} from '../src/index.js';
import { centralDifferences, expectGradientClose, randomBatch, useCpu } from './helpers.js';

beforeAll(useCpu);

/** Analytic gradient of the loss with respect to the embeddings, as a flat array. */
function analytic(loss: MetricLoss, labels: number[], e: Float32Array, shape: [number, number]): Float32Array {
  return tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const g = tf.grad((x: tf.Tensor) => loss.call(y, x as tf.Tensor2D))(tf.tensor2d(e, shape));
    return g.dataSync() as Float32Array;
  });
}

function valueAt(loss: MetricLoss, labels: number[], e: Float32Array, shape: [number, number]): number {
  return tf.tidy(() => loss.call(labels, tf.tensor2d(e, shape)).dataSync()[0] as number);
}

const CASES: Array<[string, () => MetricLoss, boolean]> = [
  ['MultiSimilarityLoss', () => new MultiSimilarityLoss(), true],
  ['TripletLoss (hard, semi-hard, soft)', () => new TripletLoss(), true],
  [
    'TripletLoss (easy, hard, margin 1)',
    () => new TripletLoss({ positiveMining: 'easy', negativeMining: 'hard', margin: 1 }),
    true,
  ],
  ['PNLoss', () => new PNLoss(), true],
  ['PNLoss (hard, easy, margin 1)', () => new PNLoss({ negativeMining: 'easy', margin: 1 }), true],
  ['CircleLoss', () => new CircleLoss(), true],
  ['CircleLoss (gamma 16)', () => new CircleLoss({ gamma: 16 }), true],
  ['SoftNearestNeighborLoss', () => new SoftNearestNeighborLoss(), false],
  ['LiftedStructLoss', () => new LiftedStructLoss(), true],
  [
    'LiftedStructLoss (easy mining, margin .5)',
    () => new LiftedStructLoss({ positiveMining: 'easy', margin: 0.5 }),
    true,
  ],
  ['LiftedStructLoss (euclidean)', () => new LiftedStructLoss({ distance: 'euclidean' }), false],
  [
    'SoftNearestNeighborLoss (cosine, T 0.5)',
    () => new SoftNearestNeighborLoss({ distance: 'cosine', temperature: 0.5 }),
    true,
  ],
];

describe('gradients match central finite differences', () => {
  for (const [name, make, unit] of CASES) {
    it(name, () => {
      const loss = make();
      // 8 seeded points in 3-D, classes [0, 1, 2, 0, 1, 2, 0, 1]: every anchor has a positive. (An anchor
      // without one mines d(i, i) = max(1 − |e|², 0), whose kink at |e| = 1 would defeat finite differences.)
      const { embeddings } = randomBatch(2024, 8, 3, 3, unit);
      const labels = [0, 1, 2, 0, 1, 2, 0, 1];
      const shape: [number, number] = [8, 3];
      const e = Float32Array.from(embeddings.flat());
      const g = analytic(loss, labels, e, shape);
      const fd = centralDifferences((x) => valueAt(loss, labels, x, shape), e);
      expectGradientClose(g, fd);
    });
  }
});
