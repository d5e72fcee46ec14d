// Training needs tfjs's gradients registered; tfjs-layers (as a real model would use) does it on import.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CosineDistance, EuclideanDistance, SquaredEuclideanDistance } from '../src/index.js';
import { useCpuBackend } from './helpers.js';

beforeAll(useCpuBackend);

describe('pairwise inside a training loss', () => {
  it('euclidean: SGD walks straight to the target and stays finite on arrival', () => {
    // loss = |x − t| with x = [0,0], t = [3,4]: ∂loss/∂x = (x − t)/|x − t| = [−0.6, −0.8].
    // With learning rate 0.5 each step moves x by [0.3, 0.4]; 10 steps cover the distance 5.
    const x = tf.variable(tf.tensor2d([[0, 0]]));
    const target = tf.tensor2d([[3, 4]]);
    const euclidean = new EuclideanDistance();
    const sgd = tf.train.sgd(0.5);
    const loss = () => tf.sum(euclidean.pairwise(x as tf.Tensor2D, target)) as tf.Scalar;
    for (let step = 0; step < 10; step++) sgd.minimize(loss);
    const [x0, x1] = Array.from(x.dataSync());
    expect(x0).toBeCloseTo(3, 5);
    expect(x1).toBeCloseTo(4, 5);
    // At (or within float32 rounding of) the target the gradient is finite.
    const { grads } = tf.variableGrads(loss);
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('squared euclidean: each SGD step halves the distance', () => {
    // loss = |x − t|², gradient 2(x − t); with learning rate 0.25, x ← x − 0.5 (x − t): the gap halves.
    // From x = [0,0], t = [4,0]: after 3 steps the gap is 4 / 8 = 0.5, so x = [3.5, 0].
    const x = tf.variable(tf.tensor2d([[0, 0]]));
    const target = tf.tensor2d([[4, 0]]);
    const sq = new SquaredEuclideanDistance();
    const sgd = tf.train.sgd(0.25);
    for (let step = 0; step < 3; step++) sgd.minimize(() => tf.sum(sq.pairwise(x as tf.Tensor2D, target)) as tf.Scalar);
    expect(Array.from(x.dataSync())).toEqual([3.5, 0]);
  });

  it('cosine: a contrastive-style loss on a batch against itself has finite gradients', () => {
    // Rows normalised inside the loss, pairwise over the batch against itself (the diagonal is 0).
    const x = tf.variable(
      tf.tensor2d([
        [1, 0.5, -0.2],
        [0.3, 1, 0.1],
        [-0.5, 0.2, 1],
      ]),
    );
    const cosine = new CosineDistance();
    const loss = () => {
      const n = tf.div(x, tf.norm(x, 'euclidean', 1, true)) as tf.Tensor2D;
      return tf.mean(cosine.pairwise(n, n)) as tf.Scalar;
    };
    const before = loss().dataSync()[0] as number;
    const { grads } = tf.variableGrads(loss);
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    // Moving against the gradient brings the rows closer together: the mean distance goes down.
    tf.train.sgd(0.1).applyGradients(grads);
    expect(loss().dataSync()[0] as number).toBeLessThan(before);
  });
});
