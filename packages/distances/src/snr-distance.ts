import { type ComponentConfig, type Distance, invalidArgument } from '@simkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { BaseDistance, distanceOfClass } from './base-distance.js';
import { noiseSumOfSquaresAt, rowSumsOfSquares, snrKernel } from './snr-kernel.js';
import { differenceGradients, forwardWithKernel, pairwiseOp } from './tensor-pairwise.js';

/**
 * Signal-to-noise distance `var(q−k) / var(q)` with population variances,
 * anchored on the query row (not symmetric). A constant query row has no
 * variance to compare against and is an error.
 */
export class SNRDistance extends BaseDistance implements Distance<tf.Tensor2D> {
  readonly name = 'snr';
  readonly aliases: readonly string[] = ['snrdistance', 'signal-to-noise-ratio'];

  static fromConfig(config: ComponentConfig): SNRDistance {
    return distanceOfClass(SNRDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    const querySS = querySumsOfSquares(a, a.length, 1, 'compute');
    const ss = this.checkedSum(noiseSumOfSquaresAt(a, 0, b, 0, a.length), a, b);
    return Math.max(ss, 0) / (querySS[0] as number);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return snrKernel(q, k, dim, rows, cols, out, querySumsOfSquares(q, dim, rows, 'batch'));
  }

  /**
   * Values from the Float32Array kernel (the same numbers as `batch`, no [Q, K, D]
   * tensor). With centred rows a′, b′, U_i = var(a_i) and S = the result,
   * ∂S_ij/∂a_i = 2 / (D·U_i) · ((a′_i − b′_j) − S_ij · a′_i) and ∂S_ij/∂b_j = −2 / (D·U_i) · (a′_i − b′_j).
   */
  protected pairwiseChecked(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    const [rows, dim] = a.shape;
    // Checked on the data before building the op, so a constant query fails right here.
    const querySS = querySumsOfSquares(a.dataSync() as Float32Array, dim, rows, 'pairwise');
    const forward = forwardWithKernel((q, k, d, r, c, out) => snrKernel(q, k, d, r, c, out, querySS));
    return pairwiseOp(a, b, forward, (dy, sa, sb, value) => {
      const ac = tf.sub(sa, tf.mean(sa, 1, true));
      const bc = tf.sub(sb, tf.mean(sb, 1, true));
      const anchorVariance = tf.mean(tf.square(ac), 1, true);
      // g_ij = 2 dy_ij / (D · U_i)
      const g = tf.div(tf.mul(dy, 2 / dim), anchorVariance);
      const [gradA, gradB] = differenceGradients(g, ac, bc) as [tf.Tensor, tf.Tensor];
      return [tf.sub(gradA, tf.mul(ac, tf.sum(tf.mul(g, value), 1, true))), gradB];
    });
  }
}

/** Each query row's sum of squared deviations; throws for a constant (zero-variance) row. */
function querySumsOfSquares(data: Float32Array, dim: number, rows: number, method: string): Float64Array {
  const out = new Float64Array(rows);
  rowSumsOfSquares(data, dim, rows, out);
  for (let i = 0; i < rows; i++) {
    if (out[i] === 0) {
      throw invalidArgument(
        `snr.${method}: query row ${i} is constant (zero variance), so signal-to-noise is undefined; use another distance for such vectors or drop the row.`,
        { row: i },
      );
    }
  }
  return out;
}
