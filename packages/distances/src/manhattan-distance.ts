import type { ComponentConfig, Distance } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { absoluteDifferenceAt, absoluteDifferenceKernel } from './absolute-difference-kernel.js';
import { BaseDistance, distanceOfClass } from './base-distance.js';
import { forwardWithKernel, pairwiseOp } from './tensor-pairwise.js';

const forward = forwardWithKernel(absoluteDifferenceKernel);

/** `Σ|q−k|`. */
export class ManhattanDistance extends BaseDistance implements Distance<tf.Tensor2D> {
  readonly name = 'manhattan';
  readonly aliases: readonly string[] = ['manhattandistance', 'l1', 'taxicab'];

  static fromConfig(config: ComponentConfig): ManhattanDistance {
    return distanceOfClass(ManhattanDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return this.checkedSum(absoluteDifferenceAt(a, 0, b, 0, a.length), a, b);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return absoluteDifferenceKernel(q, k, dim, rows, cols, out);
  }

  /**
   * Values from the Float32Array kernel (the same numbers as `batch`). Gradient
   * ∂/∂a_i = Σ_j dy_ij · sign(a_i − b_j) (0 where equal, as TF's abs), which needs a
   * [Q, K, D] tensor during backprop.
   */
  protected pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return pairwiseOp(a, b, forward, (dy, sa, sb) => {
      const weighted = tf.mul(tf.sign(tf.sub(tf.expandDims(sa, 1), tf.expandDims(sb, 0))), tf.expandDims(dy, 2));
      return [tf.sum(weighted, 1), tf.neg(tf.sum(weighted, 0))];
    });
  }
}
