import type { ComponentConfig, Distance } from '@simkit/core';
import { BaseDistance, distanceOfClass, type PairwiseTensor } from './base-distance.js';
import { oneMinusDotKernel } from './dot-kernel.js';
import { dotAt } from './dot-products.js';

/**
 * `1 − q·k` (hnswlib's `ip` space), so smaller is closer like every other distance.
 * TF Similarity returns the raw dot product, a similarity; see the README.
 */
export class InnerProductDistance extends BaseDistance implements Distance<PairwiseTensor> {
  readonly name = 'inner_product';
  readonly aliases: readonly string[] = ['innerproductsimilarity', 'ip'];

  /** An InnerProductDistance from its saved config; a config that names another distance is INVALID_ARGUMENT. */
  static fromConfig(config: ComponentConfig): InnerProductDistance {
    return distanceOfClass(InnerProductDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return 1 - this.checkedSum(dotAt(a, 0, b, 0, a.length), a, b);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return oneMinusDotKernel(q, k, dim, rows, cols, out, false);
  }
}
