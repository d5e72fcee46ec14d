import type { ComponentConfig, Distance } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseDistance, distanceOfClass } from './base-distance.js';
import { squaredDifferenceAt, squaredDifferenceKernel } from './squared-difference-kernel.js';
import { differenceGradients, forwardWithKernel, pairwiseOp } from './tensor-pairwise.js';

const forward = forwardWithKernel((q, k, dim, rows, cols, out) =>
  squaredDifferenceKernel(q, k, dim, rows, cols, out, false),
);

/** `Σ(q−k)²` from direct differences: never negative, exactly 0 for identical vectors. */
export class SquaredEuclideanDistance extends BaseDistance implements Distance<tf.Tensor2D> {
  readonly name = 'squared_euclidean';
  readonly aliases: readonly string[] = ['squaredeuclideandistance', 'sql2', 'sqeuclidean'];

  static fromConfig(config: ComponentConfig): SquaredEuclideanDistance {
    return distanceOfClass(SquaredEuclideanDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return this.checkedSum(squaredDifferenceAt(a, 0, b, 0, a.length), a, b);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return squaredDifferenceKernel(q, k, dim, rows, cols, out, false);
  }

  /** Values from the direct-difference kernel (the same numbers as `batch`); ∂/∂a_i = 2 Σ_j dy_ij (a_i − b_j). */
  protected pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return pairwiseOp(a, b, forward, (dy, sa, sb) => differenceGradients(tf.mul(dy, 2), sa, sb));
  }
}
