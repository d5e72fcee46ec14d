import type { ComponentConfig, Distance } from '@simkit/core';
import { absoluteDifferenceAt, absoluteDifferenceKernel } from './absolute-difference-kernel.js';
import { BaseDistance, distanceOfClass, type PairwiseTensor } from './base-distance.js';

/** `Σ|q−k|`. */
export class ManhattanDistance extends BaseDistance implements Distance<PairwiseTensor> {
  readonly name = 'manhattan';
  readonly aliases: readonly string[] = ['manhattandistance', 'l1', 'taxicab'];

  /** A ManhattanDistance from its saved config; a config that names another distance is INVALID_ARGUMENT. */
  static fromConfig(config: ComponentConfig): ManhattanDistance {
    return distanceOfClass(ManhattanDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return this.checkedSum(absoluteDifferenceAt(a, 0, b, 0, a.length), a, b);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return absoluteDifferenceKernel(q, k, dim, rows, cols, out);
  }
}
