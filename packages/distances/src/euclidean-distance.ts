import type { ComponentConfig, Distance } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseDistance, distanceOfClass } from './base-distance.js';
import { squaredDifferenceAt, squaredDifferenceKernel } from './squared-difference-kernel.js';
import { differenceGradients, forwardWithKernel, pairwiseOp } from './tensor-pairwise.js';

/** Below this distance the gradient is 0, as in TF Similarity (whose floor is 1e-18 on the square). */
export const EUCLIDEAN_GRADIENT_FLOOR = 1e-9;

const forward = forwardWithKernel((q, k, dim, rows, cols, out) =>
  squaredDifferenceKernel(q, k, dim, rows, cols, out, true),
);

/** `sqrt(Σ(q−k)²)` from direct differences: accurate for near-duplicates, exactly 0 for identical vectors. */
export class EuclideanDistance extends BaseDistance implements Distance<tf.Tensor2D> {
  readonly name = 'euclidean';
  readonly aliases: readonly string[] = ['euclideandistance', 'l2', 'pythagorean'];

  static fromConfig(config: ComponentConfig): EuclideanDistance {
    return distanceOfClass(EuclideanDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return Math.sqrt(this.checkedSum(squaredDifferenceAt(a, 0, b, 0, a.length), a, b));
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return squaredDifferenceKernel(q, k, dim, rows, cols, out, true);
  }

  /**
   * Values from the direct-difference kernel (the same numbers as `batch`).
   * Gradient: ∂d_ij/∂a_i = (a_i − b_j) / d_ij, and 0 where d_ij < 1e-9 so identical rows give no NaN.
   */
  protected pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return pairwiseOp(a, b, forward, (dy, sa, sb, value) => {
      const w = tf.where(
        tf.greaterEqual(value, EUCLIDEAN_GRADIENT_FLOOR),
        tf.div(dy, tf.maximum(value, EUCLIDEAN_GRADIENT_FLOOR)),
        tf.zerosLike(dy),
      );
      return differenceGradients(w, sa, sb);
    });
  }
}
