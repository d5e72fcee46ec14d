import type { ComponentConfig, Distance } from '@simkit/core';
import { BaseDistance, distanceOfClass, type PairwiseTensor } from './base-distance.js';
import { oneMinusDotKernel } from './dot-kernel.js';
import { dotAt } from './dot-products.js';

/**
 * `max(1 − q·k, 0)` on vectors as given. The vectors are expected to be unit
 * length (`normalize` is true: searches normalise before comparing; see `normalizeRows`).
 */
export class CosineDistance extends BaseDistance implements Distance<PairwiseTensor> {
  readonly name = 'cosine';
  readonly aliases: readonly string[] = ['cosinedistance'];
  override readonly normalize = true;

  /** A CosineDistance from its saved config; a config that names another distance is INVALID_ARGUMENT. */
  static fromConfig(config: ComponentConfig): CosineDistance {
    return distanceOfClass(CosineDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return Math.max(1 - this.checkedSum(dotAt(a, 0, b, 0, a.length), a, b), 0);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return oneMinusDotKernel(q, k, dim, rows, cols, out, true);
  }
}
