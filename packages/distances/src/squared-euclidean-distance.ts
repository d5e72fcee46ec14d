import type { ComponentConfig, Distance } from '@simkit/core';
import { BaseDistance, distanceOfClass, type PairwiseTensor } from './base-distance.js';
import { squaredDifferenceAt, squaredDifferenceKernel } from './squared-difference-kernel.js';

/** `Σ(q−k)²` from direct differences: never negative, exactly 0 for identical vectors. */
export class SquaredEuclideanDistance extends BaseDistance implements Distance<PairwiseTensor> {
  readonly name = 'squared_euclidean';
  readonly aliases: readonly string[] = ['squaredeuclideandistance', 'sql2', 'sqeuclidean'];

  /** A SquaredEuclideanDistance from its saved config; a config that names another distance is INVALID_ARGUMENT. */
  static fromConfig(config: ComponentConfig): SquaredEuclideanDistance {
    return distanceOfClass(SquaredEuclideanDistance, config);
  }

  protected computeChecked(a: Float32Array, b: Float32Array): number {
    return this.checkedSum(squaredDifferenceAt(a, 0, b, 0, a.length), a, b);
  }

  protected batchChecked(q: Float32Array, k: Float32Array, dim: number, rows: number, cols: number, out: Float32Array) {
    return squaredDifferenceKernel(q, k, dim, rows, cols, out, false);
  }
}
