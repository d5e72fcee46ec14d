import type { ComponentConfig, Distance } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseDistance, distanceOfClass } from './base-distance.js';
import { oneMinusDotKernel } from './dot-kernel.js';
import { dotAt } from './dot-products.js';
import { pairwiseOp } from './tensor-pairwise.js';

/**
 * `max(1 − q·k, 0)` on vectors as given. The vectors are expected to be unit
 * length (`normalize` is true: searches normalise before comparing; see `normalizeRows`).
 */
export class CosineDistance extends BaseDistance implements Distance<tf.Tensor2D> {
  readonly name = 'cosine';
  readonly aliases: readonly string[] = ['cosinedistance'];
  override readonly normalize = true;

  static fromConfig(config: ComponentConfig): CosineDistance {
    return distanceOfClass(CosineDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return Math.max(1 - this.checkedSum(dotAt(a, 0, b, 0, a.length), a, b), 0);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return oneMinusDotKernel(q, k, dim, rows, cols, out, true);
  }

  /**
   * `max(1 − A·Bᵀ, 0)` with matMul on the backend. Gradient: −dy·B for A and −dyᵀ·A for B
   * where 1 − q·k ≥ 0 (as TF's maximum passes it), 0 where the clamp is active.
   */
  protected pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return pairwiseOp(
      a,
      b,
      (x, y) => tf.tidy(() => tf.maximum(tf.sub(1, tf.matMul(x, y, false, true)), 0)),
      (dy, sa, sb) => {
        const open = tf.lessEqual(tf.matMul(sa, sb, false, true), 1);
        const g = tf.where(open, tf.neg(dy), tf.zerosLike(dy));
        return [tf.matMul(g, sb), tf.matMul(g, sa, true, false)];
      },
    );
  }
}
